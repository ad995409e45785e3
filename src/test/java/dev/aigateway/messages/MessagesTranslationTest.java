package dev.aigateway.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.provider.AnthropicAdapter;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.provider.StreamEvent;
import dev.aigateway.provider.StreamParser;
import dev.aigateway.stream.SseReader;

/**
 * The Messages translation on Anthropic's recorded wire formats (src/test/resources/fixtures/anthropic): an
 * Anthropic answer read by the gateway's Anthropic adapter into the chains' OpenAI shape and written back by
 * {@link MessagesApi} / {@link MessagesSse} is the same message; requests translate field by field.
 */
class MessagesTranslationTest {
    static final ProviderSettings SETTINGS = new ProviderSettings("anthropic", "anthropic", "http://x", "claude-x", 1024,
            3.0, 15.0, 30_000, null, null, null, new ProviderSettings.BreakerSettings(50, 10, 5, 1000, 2), true);
    final AnthropicAdapter adapter = new AnthropicAdapter();
    final MessagesApi api = new MessagesApi();

    static byte[] fixture(String name) throws IOException {
        try (InputStream in = MessagesTranslationTest.class.getResourceAsStream("/fixtures/anthropic/" + name)) {
            return in.readAllBytes();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "message.recorded.json", "message-tool-use.recorded.json" })
    void aRecordedAnswerComesBackAsTheSameMessage(String name) throws Exception {
        JsonNode original = Json.MAPPER.readTree(fixture(name));
        ChatResult chat = adapter.parseResponse(fixture(name), SETTINGS, 0);
        ObjectNode message = api.fromCompletion(chat.completion(), null);
        assertEquals(original.path("id").asText(), message.path("id").asText());
        assertEquals(original.path("model").asText(), message.path("model").asText());
        assertEquals("message", message.path("type").asText());
        assertEquals(original.path("stop_reason").asText(), message.path("stop_reason").asText());
        assertEquals(original.path("content").size(), message.path("content").size(), message.toString());
        for (int i = 0; i < original.path("content").size(); i++) {
            JsonNode want = original.path("content").get(i);
            JsonNode got = message.path("content").get(i);
            assertEquals(want.path("type").asText(), got.path("type").asText());
            assertEquals(want.path("text"), got.path("text"));
            assertEquals(want.path("id"), got.path("id"));
            assertEquals(want.path("name"), got.path("name"));
            assertEquals(want.path("input"), got.path("input"), "tool input parsed back into an object");
        }
        assertEquals(original.at("/usage/output_tokens").asLong(), message.at("/usage/output_tokens").asLong());
        assertEquals(original.at("/usage/input_tokens").asLong() + original.at("/usage/cache_read_input_tokens").asLong()
                + original.at("/usage/cache_creation_input_tokens").asLong(), message.at("/usage/input_tokens").asLong());
    }

    @ParameterizedTest
    @ValueSource(strings = { "stream-basic.sdk-fixture.sse", "stream-text.recorded.sse", "stream-tool-use.recorded.sse",
            "stream-text-and-tool-use.sdk-fixture.sse" })
    void aRecordedStreamComesBackAsTheSameEvents(String name) throws Exception {
        List<SseReader.Event> original = events(fixture(name));
        // the gateway's path: Anthropic events → OpenAI chunks (the adapter) → Anthropic events (the dialect)
        StreamParser parser = adapter.streamParser(SETTINGS);
        MessagesSse dialect = new MessagesSse();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        String finish = null;
        long prompt = 0;
        long completion = 0;
        String id = null;
        for (SseReader.Event e : original) {
            StreamEvent ev = parser.parse(e.name(), e.data());
            if (ev.chunk() != null) {
                id = ev.chunk().path("id").asText();
                dialect.chunk(ev.chunk(), out::writeBytes);
            }
            finish = ev.finishReason() != null ? ev.finishReason() : finish;
            prompt = ev.promptTokens() >= 0 ? ev.promptTokens() : prompt;
            completion = ev.completionTokens() >= 0 ? ev.completionTokens() : completion;
        }
        ObjectNode finishChunk = Json.object().put("id", id);
        finishChunk.putArray("choices").addObject().put("index", 0).put("finish_reason", finish).putObject("delta");
        ObjectNode usage = Json.object();
        usage.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion);
        dialect.end(finishChunk, usage, out::writeBytes);
        List<SseReader.Event> translated = events(out.toByteArray());

        assertEquals(names(original), names(translated), new String(out.toByteArray(), StandardCharsets.UTF_8));
        assertEquals(accumulate(original), accumulate(translated));
    }

    /** The event names in order, pings dropped and repeats collapsed (empty deltas are not re-sent). */
    static List<String> names(List<SseReader.Event> events) {
        List<String> names = new ArrayList<>();
        for (SseReader.Event e : events) {
            if (!"ping".equals(e.name()) && (names.isEmpty() || !names.get(names.size() - 1).equals(e.name()))) {
                names.add(e.name());
            }
        }
        return names;
    }

    /** What an SDK's accumulator makes of the events: id, blocks (type, id, name, text or parsed input), stop_reason, output tokens. */
    static JsonNode accumulate(List<SseReader.Event> events) throws IOException {
        ObjectNode message = Json.object();
        ArrayNode blocks = message.putArray("content");
        List<StringBuilder> json = new ArrayList<>();
        for (SseReader.Event e : events) {
            JsonNode d = Json.MAPPER.readTree(e.data());
            switch (e.name()) {
                case "message_start" -> message.put("id", d.at("/message/id").asText());
                case "content_block_start" -> {
                    ObjectNode b = blocks.addObject().put("type", d.at("/content_block/type").asText());
                    if (d.at("/content_block/type").asText().equals("tool_use")) {
                        b.put("id", d.at("/content_block/id").asText()).put("name", d.at("/content_block/name").asText());
                    } else {
                        b.put("text", "");
                    }
                    json.add(new StringBuilder());
                }
                case "content_block_delta" -> {
                    ObjectNode b = (ObjectNode) blocks.get(d.path("index").asInt());
                    if (d.at("/delta/type").asText().equals("text_delta")) {
                        b.put("text", b.path("text").asText() + d.at("/delta/text").asText());
                    } else {
                        json.get(d.path("index").asInt()).append(d.at("/delta/partial_json").asText());
                    }
                }
                case "message_delta" -> message.put("stop_reason", d.at("/delta/stop_reason").asText())
                        .put("output_tokens", d.at("/usage/output_tokens").asLong());
                default -> {
                }
            }
        }
        for (int i = 0; i < blocks.size(); i++) {
            if (!json.get(i).isEmpty()) {
                ((ObjectNode) blocks.get(i)).set("input", Json.MAPPER.readTree(json.get(i).toString()));
            }
        }
        return message;
    }

    static List<SseReader.Event> events(byte[] sse) throws IOException {
        List<SseReader.Event> out = new ArrayList<>();
        SseReader reader = new SseReader(new ByteArrayInputStream(sse));
        for (SseReader.Event e = reader.next(); e != null; e = reader.next()) {
            out.add(e);
        }
        return out;
    }

    @Test
    void aRequestTranslatesFieldByField() throws Exception {
        JsonNode in = Json.MAPPER.readTree("""
                {"model":"claude-sonnet-4-6","max_tokens":100,"temperature":0.2,"top_p":0.9,"stop_sequences":["Z"],
                 "system":"Be terse.","metadata":{"user_id":"u1"},"stream":true,
                 "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object"}}],
                 "tool_choice":{"type":"tool","name":"get_weather"},
                 "messages":[{"role":"user","content":"Weather?"},
                  {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"rain"},
                    {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]}]}""");
        JsonNode expected = Json.MAPPER.readTree("""
                {"model":"claude-sonnet-4-6","max_tokens":100,
                 "messages":[{"role":"system","content":"Be terse."},{"role":"user","content":"Weather?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                  {"role":"tool","tool_call_id":"toolu_1","content":"rain"},
                  {"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}],
                 "temperature":0.2,"top_p":0.9,"stop":["Z"],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object"}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},"user":"u1","stream":true}""");
        String before = in.toString();
        assertEquals(expected, MessagesRequest.toChat(in));
        assertEquals(before, in.toString(), "the client's body is left as it was (Anthropic providers get it)");
    }

    @Test
    void anAnthropicProviderGetsTheClientsBodyWithItsOwnModel() throws Exception {
        ObjectNode client = (ObjectNode) Json.MAPPER.readTree("""
                {"model":"gpt-4.1","max_tokens":10,"top_k":3,"chain":"default",
                 "system":[{"type":"text","text":"S","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}""");
        ChatRequest parsed = new ChatRequest(Json.object(), "default", "r1", null, List.of("top_k"), "default");
        ChatRequest carried = api.carry(parsed, client);
        JsonNode sent = Json.MAPPER.readTree(adapter.buildRequest(carried, SETTINGS, true));
        ObjectNode expected = client.deepCopy();
        expected.remove(List.of("top_k", "chain")); // dropped by gateway.unknown-fields=drop; the gateway's own field
        expected.put("model", "claude-x").put("stream", true);
        assertEquals(expected, sent);
        assertEquals(3, client.path("top_k").asInt(), "the client's body itself is not changed");
    }

    @Test
    void whatNoProviderOfAChainCanServeIsRefusedNamingTheField() throws Exception {
        String[][] cases = {
                { "{\"container\":\"c1\",", "container" },
                { "{\"service_tier\":\"standard_only\",", "service_tier" },
                { "{\"n\":2,", "n" },
                { "{\"tools\":[{\"type\":\"bash_20250124\",\"name\":\"bash\"}],", "tools[0].type" },
        };
        for (String[] c : cases) {
            JsonNode body = Json.MAPPER.readTree(c[0] + "\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
            GatewayException e = assertThrows(GatewayException.class, () -> MessagesRequest.toChat(body), c[1]);
            assertEquals(c[1], e.toBody().at("/error/param").asText());
            assertEquals("unsupported_parameter", e.toBody().at("/error/code").asText());
        }
        JsonNode doc = Json.MAPPER.readTree("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"document\",\"source\":{}}]}]}");
        GatewayException e = assertThrows(GatewayException.class, () -> MessagesRequest.toChat(doc));
        assertEquals("messages[0].content[0].type", e.toBody().at("/error/param").asText());
    }

    @Test
    void errorTypesFollowAnthropicsStatusTable() {
        int[] statuses = { 400, 401, 403, 404, 413, 429, 500, 502, 503, 504, 529 };
        String[] types = { "invalid_request_error", "authentication_error", "permission_error", "not_found_error",
                "request_too_large", "rate_limit_error", "api_error", "api_error", "api_error", "api_error", "overloaded_error" };
        for (int i = 0; i < statuses.length; i++) {
            ObjectNode openAi = new GatewayException(statuses[i], "x", "some_code", "p", "msg").toBody();
            ObjectNode body = MessagesErrors.of(openAi, statuses[i]);
            assertEquals("error", body.path("type").asText());
            assertEquals(types[i], body.at("/error/type").asText(), "status " + statuses[i]);
            assertEquals("msg", body.at("/error/message").asText());
            assertEquals("some_code", body.at("/error/code").asText(), "the gateway's detail is kept");
        }
        ObjectNode overloaded = new GatewayException(503, "server_error", "gateway_overloaded", null, "full").toBody();
        assertEquals("overloaded_error", MessagesErrors.of(overloaded, 503).at("/error/type").asText());
    }
}

package dev.aigateway.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * POST /v1/messages through the real gateway and simulated providers: Anthropic's answer, stream events and
 * error shapes, translated for an OpenAI provider and passed nearly verbatim to an Anthropic one, through
 * failovers and a mid-stream continuation.
 */
class MessagesEndpointTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    static HttpResponse<String> messages(String json, String... headers) {
        List<String> h = new ArrayList<>(List.of("anthropic-version", "2023-06-01"));
        h.addAll(List.of(headers));
        return gw.post("/v1/messages", "application/json", json, h.toArray(String[]::new));
    }

    static String body(String model, String question, boolean stream) {
        return """
                {"model":"%s","max_tokens":256,"stream":%s,
                 "system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],
                 "metadata":{"user_id":"user-42"},
                 "messages":[{"role":"user","content":[{"type":"text","text":"%s"}]}]}""".formatted(model, stream, question);
    }

    /** One SSE event: its name and JSON data. */
    record Event(String name, JsonNode data) {
    }

    static List<Event> events(String sse) throws Exception {
        List<Event> events = new ArrayList<>();
        for (String frame : sse.split("\n\n")) {
            String name = null;
            String data = null;
            for (String line : frame.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = line.substring(6);
                }
            }
            if (name != null) {
                events.add(new Event(name, Json.MAPPER.readTree(data)));
            }
        }
        return events;
    }

    static String text(List<Event> events) {
        StringBuilder s = new StringBuilder();
        events.stream().filter(e -> e.name().equals("content_block_delta") && e.data().at("/delta/type").asText().equals("text_delta"))
                .forEach(e -> s.append(e.data().at("/delta/text").asText()));
        return s.toString();
    }

    @Test
    void anAnthropicBackupGetsTheClientsOwnBodyAndTheClientAnAnthropicMessage() throws Exception {
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> r = messages(body("gpt-4.1", "Who answers?", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode m = TestGateway.json(r);
        assertEquals("message", m.path("type").asText());
        assertEquals("assistant", m.path("role").asText());
        assertTrue(m.path("id").asText().startsWith("msg_"), m.toString());
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: Who answers?", m.at("/content/0/text").asText());
        assertEquals("text", m.at("/content/0/type").asText());
        assertEquals("end_turn", m.path("stop_reason").asText());
        assertEquals(gw.sim("anthropic").lastUsage().completion(), m.at("/usage/output_tokens").asLong());
        assertTrue(m.at("/usage/input_tokens").asLong() > 0);
        assertEquals("anthropic", m.at("/gateway/provider").asText());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElse(""));
        assertEquals("openai,anthropic", r.headers().firstValue("x-gateway-attempts").orElse(""));
        // nearly verbatim: cache_control and metadata survive, only the model is the provider's
        JsonNode sent = gw.sim("anthropic").lastRequest();
        assertEquals("ephemeral", sent.at("/system/0/cache_control/type").asText(), sent.toString());
        assertEquals("user-42", sent.at("/metadata/user_id").asText());
        assertEquals("claude-sonnet-4-6", sent.path("model").asText());
        assertEquals(256, sent.path("max_tokens").asInt());
        // the OpenAI primary got the translation: system message, text parts, user
        JsonNode toOpenAi = gw.sim("openai").lastRequest();
        assertEquals("system", toOpenAi.at("/messages/0/role").asText(), toOpenAi.toString());
        assertEquals("Be brief.", toOpenAi.at("/messages/0/content/0/text").asText());
        assertEquals("user-42", toOpenAi.path("user").asText());
    }

    @Test
    void toolUseAndResultsAreTranslatedForAnOpenAiBackup() throws Exception {
        gw.sim("anthropic").faults(Faults.of("error").withStatus(500));
        String json = """
                {"model":"claude-sonnet-4-6","max_tokens":300,"temperature":0.5,"stop_sequences":["END"],
                 "tools":[{"name":"lookup","description":"Looks things up","input_schema":{"type":"object","properties":{"query":{"type":"string"}}}}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true},
                 "messages":[
                  {"role":"user","content":[{"type":"text","text":"Find it"},
                    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
                  {"role":"assistant","content":[{"type":"text","text":"Looking."},{"type":"tool_use","id":"toolu_1","name":"lookup","input":{"query":"it"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","is_error":true,"content":[{"type":"text","text":"timeout"}]},
                    {"type":"text","text":"Try again"}]}]}""";
        HttpResponse<String> r = messages(json);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode m = TestGateway.json(r);
        assertEquals("openai", m.at("/gateway/provider").asText());
        assertEquals("tool_use", m.path("stop_reason").asText());
        JsonNode use = m.at("/content/0");
        assertEquals("tool_use", use.path("type").asText(), m.toString());
        assertEquals("lookup", use.path("name").asText());
        assertEquals("Try again", use.at("/input/query").asText(), "the parsed arguments, not a string");
        assertFalse(use.path("id").asText().isEmpty());

        JsonNode sent = gw.sim("openai").lastRequest();
        JsonNode msgs = sent.path("messages");
        assertEquals("data:image/png;base64,iVBORw0KGgo=", msgs.at("/0/content/1/image_url/url").asText(), sent.toString());
        assertEquals("Looking.", msgs.at("/1/content").asText());
        assertEquals("toolu_1", msgs.at("/1/tool_calls/0/id").asText());
        assertEquals("{\"query\":\"it\"}", msgs.at("/1/tool_calls/0/function/arguments").asText());
        assertEquals("tool", msgs.at("/2/role").asText(), "the tool result right after the call");
        assertEquals("Error: timeout", msgs.at("/2/content").asText());
        assertEquals("Try again", msgs.at("/3/content/0/text").asText());
        assertEquals("lookup", sent.at("/tools/0/function/name").asText());
        assertEquals("object", sent.at("/tools/0/function/parameters/type").asText());
        assertEquals("required", sent.path("tool_choice").asText());
        assertFalse(sent.path("parallel_tool_calls").asBoolean(true));
        assertEquals("END", sent.at("/stop/0").asText());
        assertEquals(0.5, sent.path("temperature").asDouble());
    }

    @Test
    void aStreamCutMidAnswerIsContinuedInOneTextBlock() throws Exception {
        gw.sim("anthropic").faults(Faults.of("cut").withAfterChunks(4).withChunkMs(0));
        String question = "Stream me a long answer";
        HttpResponse<String> r = messages(body("claude-sonnet-4-6", question, true));
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<Event> events = events(r.body());
        List<String> names = events.stream().map(Event::name).distinct().toList();
        assertEquals(List.of("message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop"), names, r.body());
        assertEquals(1, events.stream().filter(e -> e.name().equals("content_block_start")).count(), "one block: " + r.body());
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: " + question, text(events),
                "anthropic's part, then openai's continuation, nothing repeated");
        JsonNode delta = events.get(events.size() - 2).data();
        assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
        assertEquals("anthropic", delta.at("/gateway/mid_stream_failover/from").asText(), delta.toString());
        assertEquals("openai", delta.at("/gateway/mid_stream_failover/to").asText());
        assertTrue(delta.at("/usage/output_tokens").asLong() > 4);
        assertEquals("message_stop", events.get(events.size() - 1).name());
    }

    @Test
    void aContinuationByAnAnthropicProviderKeepsTheClientsBody() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        String question = "Continue me natively";
        HttpResponse<String> r = messages(body("gpt-4.1", question, true));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Simulated openai (gpt-4.1) answering: " + question, text(events(r.body())));
        JsonNode sent = gw.sim("anthropic").lastRequest();
        assertEquals("ephemeral", sent.at("/system/0/cache_control/type").asText(), "the client's body: " + sent);
        JsonNode msgs = sent.path("messages");
        assertEquals("assistant", msgs.get(msgs.size() - 1).path("role").asText(), "the partial answer as a prefill");
        assertTrue(sent.path("stream").asBoolean());
    }

    @Test
    void aStreamNobodyCanContinueEndsWithAnErrorEvent() throws Exception {
        gw.sim("anthropic").faults(Faults.of("cut").withAfterChunks(3).withChunkMs(0));
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("deepseek").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> r = messages(body("claude-sonnet-4-6", "Will this end well?", true));
        assertEquals(200, r.statusCode(), "the stream had started");
        List<Event> events = events(r.body());
        Event last = events.get(events.size() - 1);
        assertEquals("error", last.name(), r.body());
        assertEquals("error", last.data().path("type").asText());
        assertEquals("api_error", last.data().at("/error/type").asText());
        assertFalse(last.data().at("/error/message").asText().isEmpty());
        assertTrue(events.stream().noneMatch(e -> e.name().equals("message_stop")), "an error ends it, not message_stop");
    }

    @Test
    void aStreamedToolCallIsAToolUseBlockWithJsonDeltas() throws Exception {
        String json = """
                {"model":"gpt-4.1","max_tokens":100,"stream":true,
                 "tools":[{"name":"weather","input_schema":{"type":"object"}}],
                 "messages":[{"role":"user","content":"Weather in Oslo?"}]}""";
        HttpResponse<String> r = messages(json);
        assertEquals(200, r.statusCode(), r.body());
        List<Event> events = events(r.body());
        JsonNode start = events.stream().filter(e -> e.name().equals("content_block_start")).findFirst().orElseThrow().data();
        assertEquals("tool_use", start.at("/content_block/type").asText(), r.body());
        assertEquals("weather", start.at("/content_block/name").asText());
        StringBuilder partial = new StringBuilder();
        events.stream().filter(e -> e.data().at("/delta/type").asText().equals("input_json_delta"))
                .forEach(e -> partial.append(e.data().at("/delta/partial_json").asText()));
        assertEquals("Weather in Oslo?", Json.MAPPER.readTree(partial.toString()).path("query").asText());
        assertEquals("tool_use", events.get(events.size() - 2).data().at("/delta/stop_reason").asText());
    }

    @Test
    void errorsComeInAnthropicsShapeNamingTheField() throws Exception {
        JsonNode missing = TestGateway.json(messages("{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertEquals("error", missing.path("type").asText());
        assertEquals("invalid_request_error", missing.at("/error/type").asText());
        assertEquals("max_tokens", missing.at("/error/param").asText(), missing.toString());

        for (String[] c : new String[][] {
                { "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},", "thinking" },
                { "\"mcp_servers\":[],", "mcp_servers" },
                { "\"top_k\":5,", "top_k" },
                { "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],", "tools[0].type" } }) {
            HttpResponse<String> r = messages("{" + c[0] + "\"model\":\"gpt-4.1\",\"max_tokens\":10,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertEquals(400, r.statusCode(), r.body());
            JsonNode e = TestGateway.json(r).path("error");
            assertEquals("invalid_request_error", e.path("type").asText());
            assertEquals("unsupported_parameter", e.path("code").asText(), r.body());
            assertEquals(c[1], e.path("param").asText());
        }
        String hi = "{\"model\":\"gpt-4.1\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> version = gw.post("/v1/messages", "application/json", hi, "anthropic-version", "latest");
        assertEquals(400, version.statusCode());
        assertEquals("anthropic-version", TestGateway.json(version).at("/error/param").asText());
        HttpResponse<String> media = gw.post("/v1/messages", "text/plain", "hi");
        assertEquals(415, media.statusCode());
        assertEquals("invalid_request_error", TestGateway.json(media).at("/error/type").asText(), "before the body is read too");
        assertEquals(0, gw.sim("openai").calls() + gw.sim("anthropic").calls(), "no provider is asked");

        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.of("error").withStatus(500));
        }
        HttpResponse<String> failed = messages(body("gpt-4.1", "anyone?", false));
        assertEquals(503, failed.statusCode());
        JsonNode e = TestGateway.json(failed).path("error");
        assertEquals("api_error", e.path("type").asText(), failed.body());
        assertEquals("all_providers_failed", e.path("code").asText());
        assertEquals(3, e.path("providers_tried").size());
    }

    @Test
    void anyFieldOfAnyWrongTypeIsAnAnthropicErrorNeverA500() throws Exception {
        JsonNode valid = Json.MAPPER.readTree("""
                {"model":"gpt-4.1","max_tokens":30,"temperature":0.1,"top_p":0.5,"stop_sequences":["Z"],
                 "system":[{"type":"text","text":"S"}],"metadata":{"user_id":"u"},"tool_choice":{"type":"auto"},
                 "tools":[{"name":"t","description":"d","input_schema":{"type":"object"}}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"a"},
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}}]},
                  {"role":"assistant","content":[{"type":"tool_use","id":"x","name":"t","input":{"q":1}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"x","content":[{"type":"text","text":"r"}]}]}]}""");
        List<String> pointers = new ArrayList<>();
        collect(valid, "", pointers);
        JsonNode[] wrong = { Json.MAPPER.nullNode(), Json.MAPPER.getNodeFactory().numberNode(-1),
                Json.MAPPER.getNodeFactory().textNode("x"), Json.MAPPER.createArrayNode().add(1), Json.object().put("k", 1),
                Json.MAPPER.getNodeFactory().booleanNode(true), Json.MAPPER.createArrayNode() };
        java.util.Random random = new java.util.Random(14);
        java.util.Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < 300; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode) valid.deepCopy();
            String pointer = pointers.get(random.nextInt(pointers.size()));
            int cut = pointer.lastIndexOf('/');
            JsonNode parent = body.at(pointer.substring(0, cut));
            String key = pointer.substring(cut + 1);
            JsonNode value = wrong[random.nextInt(wrong.length)];
            if (parent instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                o.set(key, value);
            } else {
                ((com.fasterxml.jackson.databind.node.ArrayNode) parent).set(Integer.parseInt(key), value);
            }
            HttpResponse<String> r = messages(body.toString());
            statuses.merge(r.statusCode(), 1, Integer::sum);
            assertTrue(r.statusCode() == 200 || r.statusCode() >= 400 && r.statusCode() < 500,
                    r.statusCode() + " for " + pointer + "=" + value + ": " + r.body());
            if (r.statusCode() != 200) {
                assertEquals("error", TestGateway.json(r).path("type").asText(), r.body());
                assertEquals("invalid_request_error", TestGateway.json(r).at("/error/type").asText(), r.body());
            }
        }
        assertTrue(statuses.getOrDefault(400, 0) > 100, "most mutations are refused: " + statuses);
    }

    /** Every JSON pointer below the root of {@code node}. */
    static void collect(JsonNode node, String at, List<String> out) {
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(f -> {
                out.add(at + "/" + f);
                collect(node.get(f), at + "/" + f, out);
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                out.add(at + "/" + i);
                collect(node.get(i), at + "/" + i, out);
            }
        }
    }

    @Test
    void anIdempotentReplyIsReplayedAsAMessageNeverAsAChatCompletion() throws Exception {
        String json = "{\"model\":\"gpt-4.1\",\"max_tokens\":50,\"request_id\":\"messages-replay-1\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}";
        JsonNode first = TestGateway.json(messages(json));
        HttpResponse<String> again = messages(json);
        assertEquals("true", again.headers().firstValue("x-gateway-replayed").orElse(""), again.body());
        JsonNode replay = TestGateway.json(again);
        assertEquals("message", replay.path("type").asText(), replay.toString());
        assertEquals(first.at("/content/0/text").asText(), replay.at("/content/0/text").asText());
        assertEquals(1, gw.sim("openai").calls());
        // the same id on chat completions is another API's request: not answered with the message
        HttpResponse<String> chat = gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"messages-replay-1\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"once\"}]}");
        assertTrue(TestGateway.json(chat).has("choices"), chat.body());
    }
}

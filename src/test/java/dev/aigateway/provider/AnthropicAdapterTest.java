package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

class AnthropicAdapterTest {
    final AnthropicAdapter adapter = new AnthropicAdapter();
    final ProviderSettings settings = Fixtures.settings("anthropic", "anthropic", 3.0, 15.0);

    @Test
    void requestMovesSystemPromptAndSetsMaxTokens() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("""
                {"messages":[{"role":"system","content":"You are terse."},
                             {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
                             {"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello"},
                             {"role":"user","content":[{"type":"text","text":"Weather?"},
                                                      {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}],
                 "temperature":1.7,"top_p":0.9,"stop":"END","user":"u1"}""");
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(new ChatRequest(body, "default", "r1", null), settings, false));
        assertEquals("anthropic-model", out.path("model").asText());
        assertEquals(1024, out.path("max_tokens").asInt(), "provider default when the client sends none");
        assertEquals("You are terse.\n\nUse metric units.", out.path("system").asText());
        assertEquals(3, out.path("messages").size(), "system messages leave the list");
        assertEquals("user", out.at("/messages/0/role").asText());
        assertEquals("Hi", out.at("/messages/0/content").asText());
        assertEquals("assistant", out.at("/messages/1/role").asText());
        assertEquals("image", out.at("/messages/2/content/1/type").asText());
        assertEquals("base64", out.at("/messages/2/content/1/source/type").asText());
        assertEquals("image/png", out.at("/messages/2/content/1/source/media_type").asText());
        assertEquals(1.0, out.path("temperature").asDouble(), "clamped to Anthropic's 0..1");
        assertEquals("END", out.at("/stop_sequences/0").asText());
        assertFalse(out.has("user"), "OpenAI-only fields are not sent");
    }

    @Test
    void clientMaxTokensWins() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_completion_tokens\":77}");
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(new ChatRequest(body, "default", "r", null), settings, false));
        assertEquals(77, out.path("max_tokens").asInt());
    }

    @Test
    void streamFieldOnlyWhenStreaming() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("""
                {"messages":[{"role":"user","content":"x"}],"stream":true,"stream_options":{"include_usage":true}}""");
        String before = body.toString();
        ChatRequest request = new ChatRequest(body, "default", "r", null);
        JsonNode streamed = Json.MAPPER.readTree(adapter.buildRequest(request, settings, true));
        assertTrue(streamed.path("stream").asBoolean());
        assertFalse(streamed.has("stream_options"), "an OpenAI-only field");
        JsonNode whole = Json.MAPPER.readTree(adapter.buildRequest(request, settings, false));
        assertFalse(whole.has("stream"));
        assertFalse(whole.has("stream_options"));
        assertEquals(before, body.toString(), "the client's request is not mutated (fallback reuses it)");
    }

    @Test
    void recordedMessageBecomesChatCompletion() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("anthropic/message.recorded.json"), settings, 12);
        assertEquals("claude-sonnet-4-5-20250929", r.model());
        assertEquals("{\"product_name\": \"Green Tea\", \"price\": 5.50, \"quantity\": 2}",
                r.completion().at("/choices/0/message/content").asText());
        assertEquals("stop", r.finishReason(), "end_turn → stop");
        assertEquals(249, r.promptTokens());
        assertEquals(26, r.completionTokens());
        assertEquals(275, r.completion().at("/usage/total_tokens").asLong());
        assertEquals((249 * 3.0 + 26 * 15.0) / 1e6, r.costUsd(), 1e-12);
        assertEquals("chat.completion", r.completion().path("object").asText());
    }

    @Test
    void recordedToolUseBecomesToolCalls() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("anthropic/message-tool-use.recorded.json"), settings, 1);
        assertEquals("tool_calls", r.finishReason());
        JsonNode call = r.completion().at("/choices/0/message/tool_calls/0");
        assertEquals("toolu_01A9HHF5Ezy3oBrKmSgfASm9", call.path("id").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("San Francisco, CA",
                Json.MAPPER.readTree(call.at("/function/arguments").asText()).path("location").asText());
        assertTrue(r.completion().at("/choices/0/message/content").isNull());
    }

    @Test
    void stopReasonsMapToFinishReasons() {
        assertEquals("length", AnthropicAdapter.finishReason("max_tokens"));
        assertEquals("stop", AnthropicAdapter.finishReason("stop_sequence"));
        assertEquals("tool_calls", AnthropicAdapter.finishReason("tool_use"));
        assertEquals("content_filter", AnthropicAdapter.finishReason("refusal"));
    }

    @Test
    void errorBodiesAreRead() {
        UpstreamError overloaded = adapter.readError(529, Map.of(), Fixtures.bytes("anthropic/error-529-overloaded.json"));
        assertEquals("overloaded_error", overloaded.type());
        assertEquals("overloaded", UpstreamErrors.outcome(overloaded));
        assertFalse(UpstreamErrors.isClientError(overloaded));
        UpstreamError invalid = adapter.readError(400, Map.of(),
                Fixtures.bytes("anthropic/error-400-invalid-request.recorded.json"));
        assertEquals("invalid_request_error", invalid.type());
        assertTrue(invalid.message().contains("tool_use_id"));
        assertTrue(UpstreamErrors.isClientError(invalid));
    }

    @Test
    void authHeadersUseXApiKeyAndVersion() {
        Map<String, String> h = adapter.headers("k-123");
        assertEquals("k-123", h.get("x-api-key"));
        assertEquals("2023-06-01", h.get("anthropic-version"));
        assertFalse(h.containsKey("Authorization"));
    }
}

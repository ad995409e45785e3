package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

class OpenAiCompatibleAdapterTest {
    final OpenAiCompatibleAdapter adapter = new OpenAiCompatibleAdapter();

    @Test
    void requestKeepsClientFieldsAndSetsProviderModel() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(
                "{\"model\":\"whatever\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":7,\"tools\":[]}");
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(new ChatRequest(body, "default", "r", null),
                Fixtures.settings("deepseek", "openai", 0.28, 0.42), false));
        assertEquals("deepseek-model", out.path("model").asText());
        assertEquals(1024, out.path("max_tokens").asInt());
        assertEquals(7, out.path("seed").asInt());
        assertFalse(out.path("stream").asBoolean());
        assertEquals("whatever", body.path("model").asText(), "the client's request is not mutated (fallback reuses it)");
    }

    @Test
    void streamingAsksForUsageAndLeavesTheClientRequestAlone() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("""
                {"messages":[{"role":"user","content":"x"}],"stream":true,
                 "stream_options":{"include_usage":false,"include_obfuscation":false}}""");
        String before = body.toString();
        ChatRequest request = new ChatRequest(body, "default", "r", null);
        ProviderSettings s = Fixtures.settings("openai", "openai", 2.0, 8.0);

        JsonNode streamed = Json.MAPPER.readTree(adapter.buildRequest(request, s, true));
        assertTrue(streamed.path("stream").asBoolean());
        assertEquals(Json.MAPPER.readTree("{\"include_usage\":true}"), streamed.path("stream_options"),
                "the gateway always wants usage; client extras are not forwarded");
        assertEquals("openai-model", streamed.path("model").asText());

        JsonNode whole = Json.MAPPER.readTree(adapter.buildRequest(request, s, false));
        assertTrue(whole.path("stream").isBoolean());
        assertFalse(whole.path("stream").asBoolean());
        assertFalse(whole.has("stream_options"));
        assertEquals(before, body.toString(), "the client's request is not mutated (fallback reuses it)");
    }

    @Test
    void specResponseIsParsedWithUsageAndCost() throws Exception {
        ProviderSettings s = Fixtures.settings("openai", "openai", 2.0, 8.0);
        ChatResult r = adapter.parseResponse(Fixtures.bytes("openai/chat-completion.json"), s, 5);
        assertEquals("gpt-5.4", r.model());
        assertEquals("Hello! How can I assist you today?", r.completion().at("/choices/0/message/content").asText());
        assertEquals(19, r.promptTokens());
        assertEquals(10, r.completionTokens());
        assertEquals("stop", r.finishReason());
        assertEquals((19 * 2.0 + 10 * 8.0) / 1e6, r.costUsd(), 1e-12);
    }

    @Test
    void toolCallsPassThrough() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("openai/chat-completion-tool-calls.json"),
                Fixtures.settings("openai", "openai", 2.0, 8.0), 5);
        assertEquals("tool_calls", r.finishReason());
        assertTrue(r.completion().at("/choices/0/message/tool_calls/0/function/name").isTextual());
    }

    @Test
    void geminiThinkingTokensAreBilledAsOutput() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("gemini-openai/chat-completion.captured.json"),
                Fixtures.settings("gemini", "openai", 0.30, 2.50), 5);
        assertEquals(17, r.promptTokens());
        assertEquals(32, r.completionTokens(), "total 49 - prompt 17: thinking tokens count as output");
    }

    @Test
    void deepseekRecordedResponse() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("deepseek/chat-completion.recorded.json"),
                Fixtures.settings("deepseek", "openai", 0.28, 0.42), 5);
        assertEquals(14, r.promptTokens());
        assertEquals(9, r.completionTokens());
        assertEquals((14 * 0.28 + 9 * 0.42) / 1e6, r.costUsd(), 1e-12);
        assertEquals("Hello! How can I assist you today?", r.completion().at("/choices/0/message/content").asText());
    }

    @Test
    void errorPolicyFollowsTheRealBodies() {
        UpstreamError context = adapter.readError(400, Map.of(), Fixtures.bytes("openai/error-400-context-length-exceeded.json"));
        assertTrue(UpstreamErrors.isClientError(context), "context too long: the client's problem");
        UpstreamError geminiKey = adapter.readError(400, Map.of(), Fixtures.bytes("gemini-openai/error-400-api-key-invalid.captured.json"));
        assertEquals("API_KEY_INVALID", geminiKey.code());
        assertFalse(UpstreamErrors.isClientError(geminiKey), "a bad key dressed as 400 must fall back");
        UpstreamError quota = adapter.readError(429, Map.of(), Fixtures.bytes("openai/error-429-insufficient-quota.json"));
        assertEquals("quota_exhausted", UpstreamErrors.outcome(quota));
        UpstreamError rate = adapter.readError(429, Map.of("retry-after", "2"), Fixtures.bytes("openai/error-429-rate-limit-exceeded.json"));
        assertEquals("rate_limited", UpstreamErrors.outcome(rate));
        assertEquals(2000, rate.retryAfterMs());
        UpstreamError balance = adapter.readError(402, Map.of(), Fixtures.bytes("deepseek/error-402-insufficient-balance.json"));
        assertEquals("payment_required", UpstreamErrors.outcome(balance));
        assertFalse(UpstreamErrors.isClientError(balance));
    }

    @Test
    void retryAfterForms() {
        assertEquals(1574, UpstreamErrors.retryAfterMs(Map.of("retry-after-ms", "1574", "retry-after", "2")));
        assertEquals(1500, UpstreamErrors.retryAfterMs(Map.of("Retry-After", "1.5")));
        String in30s = ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(30).format(DateTimeFormatter.RFC_1123_DATE_TIME);
        long ms = UpstreamErrors.retryAfterMs(Map.of("retry-after", in30s));
        assertTrue(ms > 28_000 && ms <= 30_000, "HTTP date: " + ms);
        assertEquals(-1, UpstreamErrors.retryAfterMs(Map.of()));
        assertEquals(-1, UpstreamErrors.retryAfterMs(Map.of("retry-after", "soon")));
    }

    @Test
    void bearerHeaderOnlyWithAKey() {
        assertEquals("Bearer k", adapter.headers("k").get("Authorization"));
        assertTrue(adapter.headers(null).isEmpty());
    }
}

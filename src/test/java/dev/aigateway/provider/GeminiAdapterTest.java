package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/** Gemini's native generateContent API on fixtures written from Google's documentation (fixtures/gemini-native). */
class GeminiAdapterTest {
    final GeminiAdapter adapter = new GeminiAdapter();
    final ProviderSettings settings = Fixtures.settings("gemini-native", "gemini", 0.30, 2.50);

    static ChatRequest chat(String json) throws Exception {
        return new ChatRequest((ObjectNode) Json.MAPPER.readTree(json), "default", "r1", null);
    }

    @Test
    void pathsNameTheModelAndTheStream() {
        assertEquals("/models/gemini-native-model:generateContent", adapter.chatPath(settings, false));
        assertEquals("/models/gemini-native-model:streamGenerateContent?alt=sse", adapter.chatPath(settings, true));
        assertEquals("/models", adapter.modelsPath());
        assertEquals(Map.of("x-goog-api-key", "k"), adapter.headers("k"));
        assertEquals(StreamFraming.SSE, adapter.streamFraming());
    }

    @Test
    void requestBecomesSystemInstructionContentsAndGenerationConfig() throws Exception {
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(chat("""
                {"messages":[{"role":"system","content":"You are terse."},
                             {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
                             {"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello"},
                             {"role":"user","content":[{"type":"text","text":"What is this?"},
                                 {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},
                                 {"type":"image_url","image_url":{"url":"https://example.com/cat.webp"}}]}],
                 "temperature":0.4,"top_p":0.9,"stop":["END"],"max_tokens":200,"seed":7,"user":"u1",
                 "response_format":{"type":"json_object"}}"""), settings, false));
        assertEquals("You are terse.\n\nUse metric units.", out.at("/systemInstruction/parts/0/text").asText());
        assertEquals(3, out.path("contents").size(), "system messages leave the contents");
        assertEquals("user", out.at("/contents/0/role").asText());
        assertEquals("Hi", out.at("/contents/0/parts/0/text").asText());
        assertEquals("model", out.at("/contents/1/role").asText(), "assistant is Gemini's model role");
        assertEquals("What is this?", out.at("/contents/2/parts/0/text").asText());
        assertEquals("image/png", out.at("/contents/2/parts/1/inlineData/mimeType").asText());
        assertEquals("iVBORw0KGgo=", out.at("/contents/2/parts/1/inlineData/data").asText());
        assertEquals("https://example.com/cat.webp", out.at("/contents/2/parts/2/fileData/fileUri").asText());
        assertEquals("image/webp", out.at("/contents/2/parts/2/fileData/mimeType").asText());
        JsonNode config = out.path("generationConfig");
        assertEquals(200, config.path("maxOutputTokens").asInt());
        assertEquals(0.4, config.path("temperature").asDouble());
        assertEquals(0.9, config.path("topP").asDouble());
        assertEquals("END", config.at("/stopSequences/0").asText());
        assertEquals(7, config.path("seed").asInt());
        assertEquals("application/json", config.path("responseMimeType").asText());
        assertFalse(out.has("user") || out.has("messages") || out.has("model"), "OpenAI fields are not sent: " + out);
    }

    @Test
    void toolsCallsAndResultsRoundTrip() throws Exception {
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(chat("""
                {"messages":[{"role":"user","content":"Weather in Paris and Rome?"},
                   {"role":"assistant","content":null,"tool_calls":[
                      {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                      {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"{\\"temp\\":21}"},
                   {"role":"tool","tool_call_id":"call_2","content":"sunny"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
                    "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
                 "tool_choice":"required"}"""), settings, false));
        JsonNode decl = out.at("/tools/0/functionDeclarations/0");
        assertEquals("get_weather", decl.path("name").asText());
        assertEquals("Weather now", decl.path("description").asText());
        assertEquals("string", decl.at("/parametersJsonSchema/properties/city/type").asText());
        assertEquals("ANY", out.at("/toolConfig/functionCallingConfig/mode").asText());
        assertEquals("model", out.at("/contents/1/role").asText());
        assertEquals("get_weather", out.at("/contents/1/parts/0/functionCall/name").asText());
        assertEquals("Paris", out.at("/contents/1/parts/0/functionCall/args/city").asText());
        assertEquals("Rome", out.at("/contents/1/parts/1/functionCall/args/city").asText());
        assertEquals(3, out.path("contents").size(), "both tool results in one user turn");
        assertEquals("user", out.at("/contents/2/role").asText());
        assertEquals("get_weather", out.at("/contents/2/parts/0/functionResponse/name").asText(), "named by its call");
        assertEquals(21, out.at("/contents/2/parts/0/functionResponse/response/temp").asInt());
        assertEquals("sunny", out.at("/contents/2/parts/1/functionResponse/response/result").asText());
    }

    @Test
    void textAnswerWithThinkingTokens() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("gemini-native/generate-content-text.docs.json"), settings, 5);
        assertEquals("AI learns patterns from data and uses them to make predictions or decisions.",
                r.completion().at("/choices/0/message/content").asText());
        assertEquals("stop", r.finishReason());
        assertEquals("gemini-2.5-flash", r.model());
        assertEquals(8, r.promptTokens());
        assertEquals(15 + 1001, r.completionTokens(), "thinking tokens are billed as output");
        assertEquals((8 * 0.30 + 1016 * 2.50) / 1e6, r.costUsd(), 1e-12);
        assertEquals("chat.completion", r.completion().path("object").asText());
    }

    @Test
    void functionCallAnswer() throws Exception {
        ChatResult r = adapter.parseResponse(Fixtures.bytes("gemini-native/generate-content-function-call.docs.json"), settings, 5);
        JsonNode message = r.completion().at("/choices/0/message");
        assertTrue(message.path("content").isNull());
        assertEquals("schedule_meeting", message.at("/tool_calls/0/function/name").asText());
        assertEquals("Q3 planning", Json.MAPPER.readTree(message.at("/tool_calls/0/function/arguments").asText())
                .path("topic").asText());
        assertTrue(message.at("/tool_calls/0/id").asText().startsWith("call_"));
        assertEquals("tool_calls", r.finishReason());
    }

    @Test
    void blockedPromptAndSafetyFinishAreTheContentFilterOutcome() throws Exception {
        ChatResult blocked = adapter.parseResponse(Fixtures.bytes("gemini-native/generate-content-prompt-blocked.docs.json"),
                settings, 5);
        assertEquals("content_filter", blocked.finishReason());
        assertEquals("content_filter", blocked.completion().at("/choices/0/finish_reason").asText());
        assertEquals(12, blocked.promptTokens());
        ChatResult safety = adapter.parseResponse(Fixtures.bytes("gemini-native/generate-content-finish-safety.docs.json"),
                settings, 5);
        assertEquals("content_filter", safety.finishReason());
    }

    @Test
    void streamOfText() throws Exception {
        List<StreamEvent> events = Sse.read("gemini-native/stream-text.docs.sse", adapter.streamParser(settings));
        assertEquals(3, events.size());
        assertEquals("The quick brown fox jumps over the lazy dog.", Sse.text(events));
        assertEquals("assistant", events.get(0).chunk().at("/choices/0/delta/role").asText());
        assertNull(events.get(0).finishReason());
        StreamEvent last = events.get(2);
        assertEquals("stop", last.finishReason());
        assertEquals(9, last.promptTokens());
        assertEquals(10 + 24, last.completionTokens(), "candidates + thoughts");
        assertEquals("gemini-2.5-flash", last.model());
        assertEquals("chat.completion.chunk", last.chunk().path("object").asText());
    }

    @Test
    void streamedFunctionCallArrivesWhole() throws Exception {
        List<StreamEvent> events = Sse.read("gemini-native/stream-function-call.docs.sse", adapter.streamParser(settings));
        StreamEvent e = events.get(0);
        assertTrue(e.toolCall());
        assertEquals("tool_calls", e.finishReason());
        JsonNode call = e.chunk().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, call.path("index").asInt());
        assertEquals("get_current_temperature", call.at("/function/name").asText());
        assertEquals("{\"location\":\"London\"}", call.at("/function/arguments").asText());
    }

    @Test
    void streamedPromptBlockEndsAsContentFilter() throws Exception {
        StreamEvent e = adapter.streamParser(settings).parse(null, new String(
                Fixtures.bytes("gemini-native/generate-content-prompt-blocked.docs.json")));
        assertEquals("content_filter", e.finishReason());
        assertEquals("", e.text());
    }

    @Test
    void inBandErrorAndMalformedEvents() throws Exception {
        StreamParser parser = adapter.streamParser(settings);
        assertEquals("The model is overloaded. Please try again later.",
                parser.parse(null, new String(Fixtures.bytes("gemini-native/error-503-unavailable.docs.json"))).error());
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> parser.parse(null, "{\"candidates\": [tru"));
    }

    @Test
    void errorsReadIntoTheFallbackClasses() {
        UpstreamError quota = adapter.readError(429, Map.of(), Fixtures.bytes("gemini-native/error-429-resource-exhausted.docs.json"));
        assertEquals("RESOURCE_EXHAUSTED", quota.type());
        assertEquals("rate_limited", UpstreamErrors.outcome(quota), "a per-minute quota passes: not the permanent quota class");
        assertEquals(27_000, quota.retryAfterMs(), "RetryInfo.retryDelay is the Retry-After");
        assertTrue(quota.message().startsWith("You exceeded your current quota"));
        UpstreamError busy = adapter.readError(503, Map.of("Retry-After", "3"), Fixtures.bytes("gemini-native/error-503-unavailable.docs.json"));
        assertEquals("UNAVAILABLE", busy.type());
        assertEquals("http_503", UpstreamErrors.outcome(busy));
        assertEquals(3_000, busy.retryAfterMs(), "a header wins");
        UpstreamError badKey = adapter.readError(400, Map.of(), Fixtures.bytes("gemini-openai/error-400-api-key-invalid.captured.json"));
        assertEquals("API_KEY_INVALID", badKey.code());
        assertFalse(UpstreamErrors.isClientError(badKey), "a bad key falls back, like a 401");
        UpstreamError invalid = adapter.readError(400, Map.of(),
                "{\"error\":{\"code\":400,\"message\":\"Invalid JSON payload\",\"status\":\"INVALID_ARGUMENT\"}}".getBytes());
        assertTrue(UpstreamErrors.isClientError(invalid), "the request's own fault goes to the client");
    }
}

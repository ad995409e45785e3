package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * stream: true through the default chain (openai → anthropic → deepseek) against simulated providers
 * whose streams break: the client always gets one well-formed stream, and a cut answer is finished by
 * the next provider without repeating a word.
 */
class StreamingTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("stream.idle-timeout", "1s",
            "stream.first-token-timeout", "1s"));

    static final String PROMPT = "Explain mid-stream failover in one short paragraph please";
    /** What simulated OpenAI answers; a continuation by any other simulated provider completes exactly this. */
    static final String OPENAI_ANSWER = "Simulated openai (gpt-4.1) answering: " + PROMPT;

    static String streamRequest(String prompt, boolean usage) {
        return "{\"model\":\"gpt-4.1\",\"stream\":true" + (usage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\""
                + prompt + "\"}]}";
    }

    @Test
    void chunksReachTheClientWhileTheUpstreamStillHoldsTheRest() throws Exception {
        // openai sends 5 pieces and then holds the rest for ever: only a gateway that forwards chunk by chunk
        // lets the client read them before the idle timeout hands the answer to anthropic
        gw.sim("openai").faults(Faults.of("stall").withAfterChunks(5).withChunkMs(0));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            assertEquals(200, sse.response.statusCode());
            assertTrue(sse.response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            assertEquals("openai", sse.response.headers().firstValue("x-gateway-provider").orElse(null));
            JsonNode first = sse.nextContent();
            assertEquals("Simulated", first.at("/choices/0/delta/content").asText());
            assertEquals(0, gw.sim("anthropic").calls(), "the first chunk arrived while openai still held the rest");

            sse.readAll(); // the stall is broken after stream.idle-timeout; anthropic continues
            assertEquals(OPENAI_ANSWER, sse.text());
            assertEquals(1, sse.doneCount());
            assertEquals("[DONE]", sse.events.get(sse.events.size() - 1));
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("stop", finish.at("/choices/0/finish_reason").asText());
            assertEquals("stream_stalled", finish.at("/gateway/mid_stream_failover/reason").asText());
            assertEquals(1, gw.sim("anthropic").calls());
        }
    }

    @ParameterizedTest(name = "{0} after 5 pieces → {1}, anthropic continues")
    @CsvSource({ "cut, stream_cut", "truncate, stream_truncated", "malformed, stream_malformed",
            "error-event, stream_error" })
    void aBrokenStreamIsContinuedByTheNextProvider(String fault, String outcome) throws Exception {
        gw.sim("openai").faults(Faults.of(fault).withAfterChunks(5).withChunkMs(0));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, true))) {
            sse.readAll();
            String partial = "Simulated openai (gpt-4.1) answering: Explain";
            // one answer, nothing repeated, nothing restarted: partial from openai + anthropic's continuation
            assertEquals(OPENAI_ANSWER, sse.text());
            assertEquals(OPENAI_ANSWER.substring(partial.length()), gw.sim("anthropic").lastAnswer());
            assertEquals(1, sse.doneCount());
            assertEquals("[DONE]", sse.events.get(sse.events.size() - 1));

            // anthropic was asked to continue by assistant prefill, with the user's own system prompt kept
            JsonNode sent = gw.sim("anthropic").lastRequest();
            JsonNode last = sent.path("messages").get(sent.path("messages").size() - 1);
            assertEquals("assistant", last.path("role").asText());
            assertEquals(partial, last.path("content").asText());
            assertEquals("Be brief.", sent.path("system").asText());

            List<JsonNode> chunks = sse.chunks();
            JsonNode usage = chunks.get(chunks.size() - 1);
            assertEquals(0, usage.path("choices").size(), "the usage chunk comes last, with no choices");
            // openai reported nothing before it broke: one token per chunk; anthropic's continuation: its own report
            assertEquals(5 + gw.sim("anthropic").lastUsage().completion(), usage.at("/usage/completion_tokens").asLong(),
                    "5 chunks from openai + what anthropic reported for the rest");
            JsonNode finish = chunks.get(chunks.size() - 2);
            assertEquals("stop", finish.at("/choices/0/finish_reason").asText());
            JsonNode failover = finish.at("/gateway/mid_stream_failover");
            assertEquals("openai", failover.path("from").asText());
            assertEquals("anthropic", failover.path("to").asText());
            assertEquals(outcome, failover.path("reason").asText());
            assertEquals(partial.length(), failover.path("after_chars").asInt());
            assertEquals("continue", failover.path("mode").asText());
            assertEquals(2, finish.at("/gateway/parts").size());
            assertEquals(outcome, finish.at("/gateway/attempts/0/outcome").asText());
            assertEquals("gpt-4.1", chunks.get(1).path("model").asText(), "each chunk names the model that wrote it");
            assertEquals("claude-sonnet-4-6", chunks.get(chunks.size() - 3).path("model").asText());
            assertEquals(1, chunks.stream().map(c -> c.path("id").asText()).distinct().count(), "one id for the whole answer");
        }
        String metrics = gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("gateway_stream_failovers_total{from=\"openai\",mode=\"continue\",reason=\"" + outcome
                + "\",to=\"anthropic\"}"), "mid-stream failover counted");
    }

    @Test
    void withoutPrefillTheInstructionCarriesThePartialAnswer() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(4).withChunkMs(0));
        gw.sim("anthropic").faults(Faults.of("error").withStatus(500));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            sse.readAll();
            assertEquals(OPENAI_ANSWER, sse.text());
            JsonNode messages = gw.sim("deepseek").lastRequest().path("messages");
            int n = messages.size();
            assertEquals("assistant", messages.get(n - 2).path("role").asText());
            assertEquals("Simulated openai (gpt-4.1) answering:", messages.get(n - 2).path("content").asText());
            assertEquals("user", messages.get(n - 1).path("role").asText());
            assertTrue(messages.get(n - 1).path("content").asText().contains("Continue it exactly where it stops"));
            assertEquals("system", messages.get(0).path("role").asText(), "the user's system prompt is untouched");
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("deepseek", finish.at("/gateway/mid_stream_failover/to").asText());
        }
        String metrics = gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("gateway_stream_failovers_total{from=\"openai\",mode=\"continue\",reason=\"stream_cut\",to=\"deepseek\"}"),
                "counted once, for the provider that took over");
    }

    @Test
    void aModelThatRefusesPrefillIsAskedWithTheInstructionFromThenOn() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        gw.sim("anthropic").faults(Faults.of("no-prefill"));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            sse.readAll();
            assertEquals(OPENAI_ANSWER, sse.text(), "the refusal did not cost the answer");
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("prefill_refused", finish.at("/gateway/attempts/1/outcome").asText(), finish.toString());
            assertEquals("deepseek", finish.at("/gateway/provider").asText());
        }
        // the next continuation for anthropic comes as an assistant turn plus the instruction, and is accepted
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            sse.readAll();
            assertEquals(OPENAI_ANSWER, sse.text());
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("anthropic", finish.at("/gateway/provider").asText(), finish.toString());
            JsonNode messages = gw.sim("anthropic").lastRequest().path("messages");
            assertEquals("user", messages.get(messages.size() - 1).path("role").asText());
        }
    }

    @Test
    void rateLimitBeforeTheFirstChunkIsAPlainFallback() throws Exception {
        gw.sim("openai").faults(Faults.of("rate-limit"));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            sse.readAll();
            assertEquals("anthropic", sse.response.headers().firstValue("x-gateway-provider").orElse(null));
            assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: " + PROMPT, sse.text());
            JsonNode sent = gw.sim("anthropic").lastRequest();
            assertEquals("user", sent.path("messages").get(sent.path("messages").size() - 1).path("role").asText(),
                    "nothing was delivered, so nothing is continued");
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("rate_limited", finish.at("/gateway/attempts/0/outcome").asText());
            assertTrue(finish.at("/gateway/mid_stream_failover").isMissingNode());
        }
    }

    @Test
    void noFirstTokenInTimeFallsBack() throws Exception {
        // headers and the role chunk come at once, then nothing: stream.first-token-timeout is 1 s here
        gw.sim("openai").faults(Faults.of("stall").withAfterChunks(0));
        long start = System.nanoTime();
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            sse.readAll();
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: " + PROMPT, sse.text());
            JsonNode finish = sse.chunks().get(sse.chunks().size() - 1);
            assertEquals("first_token_timeout", finish.at("/gateway/attempts/0/outcome").asText());
            assertTrue(waited >= 900 && waited < 5_000, "fell back after the first-token timeout: " + waited);
        }
    }

    @Test
    void allProvidersDownBeforeAnyContentIsAPlain503() throws Exception {
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.of("error").withStatus(500));
        }
        HttpResponse<String> r = gw.chat(streamRequest(PROMPT, false));
        assertEquals(503, r.statusCode(), "nothing was streamed yet, so the status can still say it");
        assertEquals("all_providers_failed", TestGateway.json(r).at("/error/code").asText());
    }

    @Test
    void aNonStreamingRequestIsContinuedToo() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        HttpResponse<String> r = gw.chat(streamRequest(PROMPT, false).replace("\"stream\":true", "\"stream\":false"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals(OPENAI_ANSWER, body.at("/choices/0/message/content").asText());
        assertEquals("stream_cut", body.at("/gateway/mid_stream_failover/reason").asText());
        assertEquals("anthropic", body.at("/gateway/provider").asText());
        assertEquals(5 + gw.sim("anthropic").lastUsage().completion(), body.at("/usage/completion_tokens").asLong(),
                "5 estimated for openai's cut part + anthropic's reported continuation");
        assertTrue(body.at("/gateway/usage_estimated").asBoolean(false));
        assertEquals(1, gw.sim("openai").streams(), "the gateway streamed from openai although the client did not");
    }

    @Test
    void aToolCallCutOnALiveStreamIsNeverSplicedButANonStreamingOneIsAnsweredAfresh() throws Exception {
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"search\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]";
        String request = streamRequest("find failover docs", false).replace("\"stream\":true", "\"stream\":true" + tools);
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(3).withChunkMs(0));
        try (SseClientSupport sse = SseClientSupport.open(gw, request)) {
            sse.readAll();
            assertEquals(1, sse.doneCount());
            JsonNode error = Json.MAPPER.readTree(sse.events.get(sse.events.size() - 2)).path("error");
            assertEquals("tool_call_cut", error.path("code").asText(), sse.events.toString());
            assertTrue(error.path("message").asText().contains("never spliced"));
            assertEquals(0, gw.sim("anthropic").calls(), "no provider continues half a tool call");
        }
        HttpResponse<String> r = gw.chat(request.replace("\"stream\":true", "\"stream\":false"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode call = TestGateway.json(r).at("/choices/0/message/tool_calls/0/function");
        assertEquals("search", call.path("name").asText());
        assertEquals("find failover docs", Json.MAPPER.readTree(call.path("arguments").asText()).path("query").asText(),
                "anthropic's whole tool call, not openai's half spliced with it");
        assertEquals("tool_calls", TestGateway.json(r).at("/choices/0/finish_reason").asText());
    }

    @Test
    void aClientThatLeavesStopsTheProviderStream() throws Exception {
        // a long, slow answer: 10 pieces 300 ms apart
        gw.sim("openai").faults(Faults.none(0).withChunkMs(300));
        try (SseClientSupport sse = SseClientSupport.open(gw, streamRequest(PROMPT, false))) {
            assertNotNull(sse.nextContent());
        }
        // the gateway notices and drops the provider stream instead of paying for tokens nobody reads
        Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> gw.sim("openai").inFlight() == 0);
        // and nobody takes over an answer for a client that left: anthropic stays uncalled
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
                .until(() -> gw.sim("anthropic").calls() == 0);
    }

    @Test
    void nAbove1CannotStream() {
        HttpResponse<String> r = gw.chat(streamRequest(PROMPT, false).replace("\"stream\":true", "\"stream\":true,\"n\":2"));
        assertEquals(400, r.statusCode());
        assertEquals("n", TestGateway.json(r).at("/error/param").asText());
        assertNull(gw.sim("openai").lastRequest());
        assertFalse(r.body().isEmpty());
    }
}

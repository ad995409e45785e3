package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/** stream.mid-stream-failover restart and fail (the chains take it from the setting). */
class MidStreamModesTest {
    static final String PROMPT = "Tell me about breakers";

    @Test
    void failEndsALiveStreamWithAnErrorEventAndCallsNoOtherProvider() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("stream.mid-stream-failover", "fail"))) {
            gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
            try (SseClientSupport sse = SseClientSupport.open(gw, StreamingTest.streamRequest(PROMPT, false))) {
                List<String> events = sse.readAll();
                assertEquals("Simulated openai (gpt-4.1) answering: Tell", sse.text(), "what was sent stays sent");
                assertEquals("[DONE]", events.get(events.size() - 1));
                assertEquals(1, sse.doneCount());
                JsonNode error = Json.MAPPER.readTree(events.get(events.size() - 2)).path("error");
                assertEquals("mid_stream_failed", error.path("code").asText(), events.toString());
                assertTrue(error.path("message").asText().contains("stream_cut"), error.toString());
                assertEquals("stream_cut", error.at("/providers_tried/0/outcome").asText());
            }
            assertEquals(0, gw.sim("anthropic").calls());
            // a client that did not stream never saw the partial answer: it gets a fresh one
            HttpResponse<String> r = gw.chat(StreamingTest.streamRequest(PROMPT, false).replace("\"stream\":true", "\"stream\":false"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: " + PROMPT,
                    TestGateway.json(r).at("/choices/0/message/content").asText());
            assertTrue(gw.management("/observe/metrics").body().contains("gateway_requests_total{chain=\"default\",ingress=\"http\",outcome=\"mid_stream_failed\"}"));
        }
    }

    @Test
    void restartMarksTheStreamAndTheNextProviderAnswersFromScratch() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("stream.mid-stream-failover", "restart"))) {
            gw.sim("openai").faults(Faults.of("truncate").withAfterChunks(5).withChunkMs(0));
            try (SseClientSupport sse = SseClientSupport.open(gw, StreamingTest.streamRequest(PROMPT, false))) {
                sse.readAll();
                List<JsonNode> chunks = sse.chunks();
                JsonNode marker = chunks.stream().filter(c -> c.has("gateway") && "restart".equals(c.at("/gateway/event").asText()))
                        .findFirst().orElseThrow(() -> new AssertionError("no restart marker in " + sse.events));
                assertEquals("Simulated openai (gpt-4.1) answering: Tell".length(), marker.at("/gateway/discarded_chars").asInt());
                assertEquals("Simulated openai (gpt-4.1) answering: TellSimulated anthropic (claude-sonnet-4-6) answering: " + PROMPT,
                        sse.text(), "the partial answer, then the whole new one");
                JsonNode messages = gw.sim("anthropic").lastRequest().path("messages");
                assertEquals("user", messages.get(messages.size() - 1).path("role").asText(), "asked afresh, not to continue");
                assertEquals(1, sse.doneCount());
            }
        }
    }
}

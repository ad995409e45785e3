package dev.aigateway.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * The Responses stream under stream.mid-stream-failover fail and restart: a broken answer ends with
 * {@code response.failed} and an {@code error} event the SDK raises; a restarted one closes the discarded item
 * and leaves it out of the final response, which the SDK's accumulator accepts.
 */
class ResponsesStreamModesTest {
    static final String PROMPT = "Tell me about breakers";
    static final String REQUEST = "{\"model\":\"gpt-4.1\",\"input\":\"" + PROMPT + "\",\"stream\":true}";

    @Test
    void failEndsTheStreamWithResponseFailedAndAnErrorEvent() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("stream.mid-stream-failover", "fail"))) {
            gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
            HttpResponse<String> r = gw.post("/v1/responses", "application/json", REQUEST);
            assertEquals(200, r.statusCode(), r.body());
            List<JsonNode> events = ResponsesHttpTest.events(r.body());
            JsonNode failed = events.get(events.size() - 2);
            assertEquals("response.failed", failed.path("type").asText(), r.body());
            assertEquals("failed", failed.at("/response/status").asText());
            assertEquals("mid_stream_failed", failed.at("/response/error/code").asText());
            assertEquals("Simulated openai (gpt-4.1) answering: Tell", failed.at("/response/output/0/content/0/text").asText(),
                    "what was sent stays, as an incomplete item");
            assertEquals("incomplete", failed.at("/response/output/0/status").asText());
            JsonNode error = events.get(events.size() - 1);
            assertEquals("error", error.path("type").asText());
            assertEquals("mid_stream_failed", error.path("code").asText());
            assertEquals("mid_stream_failed", error.at("/error/code").asText());
            assertTrue(error.path("message").asText().contains("stream_cut"), error.toString());
            for (int i = 0; i < events.size(); i++) {
                assertEquals(i, events.get(i).path("sequence_number").asInt());
            }
            assertEquals(0, gw.sim("anthropic").calls());

            JsonNode sdk = ResponsesSdkTest.lines(ResponsesSdkTest.run(List.of("node", "responses.mjs", "broken", PROMPT), 60, gw))
                    .get(0);
            assertEquals("APIError", sdk.at("/error/name").asText(), sdk.toString());
            assertEquals("mid_stream_failed", sdk.at("/error/code").asText(), sdk.toString());
            assertEquals("Simulated openai (gpt-4.1) answering: Tell", sdk.path("deltas").asText());
        }
    }

    @Test
    void restartClosesTheDiscardedItemAndAnswersWithTheNewOne() throws Exception {
        try (TestGateway gw = TestGateway.start(Map.of("stream.mid-stream-failover", "restart"))) {
            gw.sim("openai").faults(Faults.of("truncate").withAfterChunks(5).withChunkMs(0));
            HttpResponse<String> r = gw.post("/v1/responses", "application/json", REQUEST);
            assertEquals(200, r.statusCode(), r.body());
            List<JsonNode> events = ResponsesHttpTest.events(r.body());
            List<JsonNode> added = events.stream().filter(e -> e.path("type").asText().equals("response.output_item.added")).toList();
            assertEquals(2, added.size(), "the discarded item and the new one");
            JsonNode discarded = events.stream().filter(e -> e.path("type").asText().equals("response.output_item.done")).findFirst()
                    .orElseThrow();
            assertEquals(added.get(0).at("/item/id").asText(), discarded.at("/item/id").asText());
            assertEquals("incomplete", discarded.at("/item/status").asText());
            assertEquals("Simulated openai (gpt-4.1) answering: Tell", discarded.at("/item/content/0/text").asText());
            JsonNode done = events.get(events.size() - 1).path("response");
            assertEquals("completed", done.path("status").asText());
            assertEquals(1, done.path("output").size(), "only the answer that stands: " + done);
            assertEquals(added.get(1).at("/item/id").asText(), done.at("/output/0/id").asText());
            String anthropic = "Simulated anthropic (claude-sonnet-4-6) answering: " + PROMPT;
            assertEquals(anthropic, done.at("/output/0/content/0/text").asText());
            assertEquals("restart", done.at("/gateway/mid_stream_failover/mode").asText());

            List<JsonNode> sdk = ResponsesSdkTest.lines(ResponsesSdkTest.run(List.of("node", "responses.mjs", "stream", PROMPT), 60, gw));
            assertEquals(anthropic, sdk.get(1).path("output_text").asText(), "the SDK's accumulator takes the final output");
            assertEquals(1, sdk.get(1).path("items").asInt());
        }
    }
}

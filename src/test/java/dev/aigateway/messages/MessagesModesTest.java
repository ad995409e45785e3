package dev.aigateway.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** /v1/messages under gateway.unknown-fields=drop and stream.mid-stream-failover=restart. */
class MessagesModesTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.unknown-fields", "drop",
            "stream.mid-stream-failover", "restart"));

    @Test
    void topKDroppedIsNamedAndLeftOutForAnthropicProvidersToo() throws Exception {
        HttpResponse<String> r = gw.post("/v1/messages", "application/json", """
                {"model":"claude-sonnet-4-6","max_tokens":20,"top_k":5,"messages":[{"role":"user","content":"hi"}]}""");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("top_k", r.headers().firstValue("x-gateway-dropped-fields").orElse(""));
        JsonNode sent = gw.sim("anthropic").lastRequest();
        assertFalse(sent.has("top_k"), sent.toString());
        assertEquals(20, sent.path("max_tokens").asInt(), "the client's own body otherwise");
    }

    @Test
    void aRestartClosesTheVoidBlockAndMarksItInAPing() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        HttpResponse<String> r = gw.post("/v1/messages", "application/json", """
                {"model":"gpt-4.1","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"Start over"}]}""");
        assertEquals(200, r.statusCode(), r.body());
        List<MessagesEndpointTest.Event> events = MessagesEndpointTest.events(r.body());
        JsonNode ping = events.stream().filter(e -> e.name().equals("ping")).findFirst()
                .orElseThrow(() -> new AssertionError("no restart marker: " + r.body())).data();
        assertEquals("restart", ping.at("/gateway/event").asText());
        assertEquals("anthropic", ping.at("/gateway/provider").asText());
        assertEquals(2, events.stream().filter(e -> e.name().equals("content_block_start")).count(), r.body());
        // the new answer is its own block (index 1), whole
        StringBuilder second = new StringBuilder();
        events.stream().filter(e -> e.name().equals("content_block_delta") && e.data().path("index").asInt() == 1)
                .forEach(e -> second.append(e.data().at("/delta/text").asText()));
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: Start over", second.toString());
    }
}

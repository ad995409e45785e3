package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** gateway.request-log.bodies=true: prompt and answer on the request log, redacted; replay by request_id. */
class RequestLogBodiesTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.request-log.bodies", "true",
            "gateway.auth.admin-key-file", RequestLogTest.adminFile().toString()));

    @Test
    void promptAndAnswerAreLoggedRedactedAndTheRequestReplaysThroughAnotherChain() {
        String id = "body-" + UUID.randomUUID();
        String apiKey = "sk-proj-" + UUID.randomUUID().toString().replace("-", "");
        HttpResponse<String> r = env.gw.chat(RequestLogTest.chatWithId(id, "my key is " + apiKey + " and I am bob@example.com"));
        assertEquals(200, r.statusCode(), r.body());

        ConsumerRecord<byte[], byte[]> raw = RequestLogTest.logged(env, id);
        String text = text(raw.value());
        assertFalse(text.contains(apiKey) || text.contains(apiKey.substring(3)), "no API key on the topic: " + text);
        assertFalse(text.contains("bob@example.com"), "no e-mail address on the topic: " + text);
        JsonNode rec = json(raw);
        assertEquals("my key is [REDACTED] and I am [REDACTED]", rec.at("/request/messages/0/content").asText());
        assertEquals("Simulated openai (gpt-4.1) answering: my key is [REDACTED] and I am [REDACTED]",
                rec.path("answer").asText());
        assertTrue(rec.path("replayable").asBoolean());
        RequestLogTest.awaitInWindow(env, id);

        HttpResponse<String> replayed = RequestLogTest.admin(env, "POST", "/admin/replay",
                "{\"request_id\":\"" + id + "\",\"chain\":\"claude\"}", "Authorization", "Bearer " + RequestLogTest.ADMIN);
        assertEquals(200, replayed.statusCode(), replayed.body());
        JsonNode out = TestGateway.json(replayed);
        assertEquals("openai", out.at("/original/provider").asText());
        assertEquals("openai", out.at("/original/attempts/0/provider").asText());
        assertEquals("anthropic", out.at("/replay/provider").asText());
        assertEquals(1, out.at("/replay/attempts").size());
        assertEquals("anthropic", out.at("/replay/attempts/0/provider").asText());
        assertEquals("ok", out.at("/replay/outcome").asText());
        assertEquals("claude", out.at("/replay/chain").asText());
        // what was logged is what is replayed: the redacted prompt
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: my key is [REDACTED] and I am [REDACTED]",
                out.at("/replay/answer").asText());
        assertFalse(out.has("published_to"), "an HTTP request's replay is not published on Kafka");
        assertTrue(out.at("/replay/cost_usd").asDouble() > 0);
    }
}

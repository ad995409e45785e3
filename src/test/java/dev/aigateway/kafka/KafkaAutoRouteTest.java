package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/** {@code model: auto} on the Kafka path makes the HTTP path's choice; the reply's route says why. */
class KafkaAutoRouteTest {
    static KafkaTestSupport kafka;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestSupport();
        gw = kafka.startGateway(Map.of());
    }

    @AfterAll
    static void stop() {
        gw.close();
        kafka.close();
    }

    @Test
    void autoRecordsGoToTheBudgetOrThePremiumChainByTheRequest() {
        kafka.send("ai.requests", "a1", "{\"model\":\"auto\",\"prompt\":\"What is 2+2?\",\"request_id\":\"ka-short\"}");
        kafka.send("ai.requests", "a2", "{\"model\":\"auto\",\"prompt\":\"Weather in Paris?\",\"request_id\":\"ka-tools\","
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]}");
        kafka.send("ai.requests", "a3", "{\"model\":\"auto\",\"prompt\":\"" + " x".repeat(5000) + "\",\"request_id\":\"ka-long\"}");
        List<ConsumerRecord<byte[], byte[]>> replies = kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> withIdPrefix(all, "ka-").size() >= 3);
        JsonNode shortReply = reply(replies, "ka-short");
        assertTrue(shortReply.path("success").asBoolean(), shortReply.toString());
        assertEquals("budget", shortReply.path("chain").asText());
        assertEquals("auto:short", shortReply.path("route").asText());
        assertEquals("deepseek", shortReply.path("provider").asText(), shortReply.toString());
        JsonNode tools = reply(replies, "ka-tools");
        assertEquals("premium", tools.path("chain").asText(), tools.toString());
        assertEquals("auto:tools", tools.path("route").asText());
        assertEquals("openai", tools.path("provider").asText());
        JsonNode longReply = reply(replies, "ka-long");
        assertEquals("premium", longReply.path("chain").asText(), longReply.toString());
        assertEquals("auto:tokens>4000", longReply.path("route").asText());
    }

    private static JsonNode reply(List<ConsumerRecord<byte[], byte[]>> all, String id) {
        return withIdPrefix(all, id).stream().map(KafkaTestSupport::json).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no reply for " + id));
    }
}

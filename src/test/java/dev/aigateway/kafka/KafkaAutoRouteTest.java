package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;

/** {@code model: auto} on the Kafka path makes the HTTP path's choice; the reply's route says why. */
class KafkaAutoRouteTest {
    static KafkaTestSupport kafka;
    static TestGateway gw;
    static KeyFile keys;
    static String secret;

    @BeforeAll
    static void start() throws Exception {
        keys = new KeyFile(Files.createTempDirectory("kafka-auto-keys").resolve("gateway-keys.json"));
        secret = keys.create("team-auto", List.of(), List.of(), 0, 0).secret();
        kafka = new KafkaTestSupport();
        // a step-down of 0.5 makes "exactly at the threshold" exact in binary: half of a budget of 2c is c
        gw = kafka.startGateway(Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file", keys.path().toString(),
                "gateway.auth.budget-step-down", "0.5"));
    }

    @AfterAll
    static void stop() {
        gw.close();
        kafka.close();
    }

    @Test
    void autoRecordsGoToTheBudgetOrThePremiumChainByTheRequest() {
        kafka.send("ai.requests", "a1", "{\"model\":\"auto\",\"prompt\":\"What is 2+2?\",\"request_id\":\"ka-short\"}",
                "api-key", secret);
        kafka.send("ai.requests", "a2", "{\"model\":\"auto\",\"prompt\":\"Weather in Paris?\",\"request_id\":\"ka-tools\","
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"parameters\":{\"type\":\"object\"}}}]}",
                "api-key", secret);
        kafka.send("ai.requests", "a3", "{\"model\":\"auto\",\"prompt\":\"" + " x".repeat(5000) + "\",\"request_id\":\"ka-long\"}",
                "api-key", secret);
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

    @Test
    void aKeyAtTheStepDownShareOfItsBudgetGetsTheBudgetChain() throws Exception {
        String shortPrompt = "{\"model\":\"auto\",\"prompt\":\"Spend a little\",\"request_id\":\"";
        kafka.send("ai.requests", "s0", shortPrompt + "ks-cost\"}", "api-key", secret);
        double c = reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !withIdPrefix(all, "ks-cost").isEmpty()), "ks-cost").path("cost_usd").asDouble();
        assertTrue(c > 0);
        String at = keys.create("team-at", List.of(), List.of(), 0, 2 * c).secret();
        // the keys file is re-read within a second: wait until the key is known (a 400 costs nothing)
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            String id = "ks-probe-" + System.nanoTime();
            kafka.send("ai.requests", id, "{\"request_id\":\"" + id + "\"}", "api-key", at);
            return !"invalid_api_key".equals(reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                    all -> !withIdPrefix(all, id).isEmpty()), id).at("/error/code").asText());
        });
        kafka.send("ai.requests", "s1", shortPrompt + "ks-spend\"}", "api-key", at);
        assertEquals(c, reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !withIdPrefix(all, "ks-spend").isEmpty()), "ks-spend").path("cost_usd").asDouble());
        kafka.send("ai.requests", "s2", "{\"model\":\"auto\",\"prompt\":\"" + " x".repeat(5000)
                + "\",\"request_id\":\"ks-stepped\"}", "api-key", at);
        JsonNode stepped = reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !withIdPrefix(all, "ks-stepped").isEmpty()), "ks-stepped");
        assertEquals("budget", stepped.path("chain").asText(), stepped.toString());
        assertEquals("budget-step-down", stepped.path("route").asText());
        assertEquals("deepseek", stepped.path("provider").asText());
    }

    private static JsonNode reply(List<ConsumerRecord<byte[], byte[]>> all, String id) {
        return withIdPrefix(all, id).stream().map(KafkaTestSupport::json).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no reply for " + id));
    }
}

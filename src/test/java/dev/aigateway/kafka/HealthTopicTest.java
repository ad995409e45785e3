package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/** Health results travel over Kafka: published with every field, and honoured when another instance saw them. */
class HealthTopicTest {
    static KafkaTestSupport kafka;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestSupport();
        gw = kafka.startGateway(Map.of("gateway.instance", "gw-test")); // probes once at start, then every hour
    }

    @AfterAll
    static void stop() {
        gw.close();
        kafka.close();
    }

    @Test
    void probeResultsArePublishedWithEveryField() {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readUntil("ai.provider-health", Duration.ofSeconds(20),
                all -> all.stream().anyMatch(r -> "openai".equals(text(r.key())) && text(r.value()).contains("gw-test")));
        JsonNode openai = records.stream().filter(r -> "openai".equals(text(r.key()))).map(KafkaTestSupport::json)
                .filter(n -> "gw-test".equals(n.path("instance").asText())).findFirst().orElseThrow();
        assertEquals("openai", openai.path("provider").asText());
        assertTrue(openai.path("healthy").asBoolean());
        assertEquals(200, openai.path("status").asInt());
        assertTrue(openai.path("latency_ms").asLong() >= 0);
        assertTrue(openai.has("error"));
        assertTrue(Instant.parse(openai.path("timestamp").asText()).isBefore(Instant.now().plusSeconds(1)));
    }

    @Test
    void aResultPublishedByAnotherInstanceIsHonoured() {
        gw.reset();
        // this instance's own start-up probe must be in first: the newest result per provider wins
        kafka.readUntil("ai.provider-health", Duration.ofSeconds(20),
                all -> all.stream().anyMatch(r -> "openai".equals(text(r.key())) && text(r.value()).contains("gw-test")));
        kafka.send("ai.provider-health", "openai", "{\"provider\":\"openai\",\"healthy\":false,\"latency_ms\":5000,"
                + "\"status\":0,\"error\":\"timeout\",\"timestamp\":\"" + Instant.now() + "\",\"instance\":\"gw-other\"}");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                "anthropic".equals(gw.chat(TestGateway.request("x")).headers().firstValue("x-gateway-provider").orElse("")));
        long calls = gw.sim("openai").calls();
        for (int i = 0; i < 5; i++) {
            assertEquals("anthropic", gw.chat(TestGateway.request("skip " + i)).headers().firstValue("x-gateway-provider")
                    .orElseThrow());
        }
        assertEquals(calls, gw.sim("openai").calls(), "skipped on the other instance's word: no call reaches it");

        kafka.send("ai.provider-health", "openai", "{\"provider\":\"openai\",\"healthy\":true,\"latency_ms\":40,"
                + "\"status\":200,\"error\":null,\"timestamp\":\"" + Instant.now() + "\",\"instance\":\"gw-other\"}");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                "openai".equals(gw.chat(TestGateway.request("y")).headers().firstValue("x-gateway-provider").orElse("")));
        assertTrue(json(kafka.readUntil("ai.provider-health", Duration.ofSeconds(5), all -> all.size() >= 6).get(0)).has("provider"));
    }
}

package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;

/** Gateway API keys on the Kafka path: the record header api-key; a refused record gets a failure reply. */
class KafkaApiKeyTest {
    static KafkaTestSupport kafka;
    static TestGateway gw;
    static KeyFile keys;
    static String secret;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("kafka-keys");
        keys = new KeyFile(dir.resolve("gateway-keys.json"));
        secret = keys.create("team-kafka", List.of(), List.of(), 1, 0).secret();
        kafka = new KafkaTestSupport();
        gw = kafka.startGateway(Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file", keys.path().toString()));
    }

    @AfterAll
    static void stop() {
        gw.close();
        kafka.close();
    }

    @Test
    void recordsNeedAKeyAndEveryRefusalIsAnswered() {
        kafka.send("ai.requests", "k1", "{\"prompt\":\"with key\",\"request_id\":\"kk-ok\"}", "api-key", secret);
        kafka.send("ai.requests", "k2", "{\"prompt\":\"no key\",\"request_id\":\"kk-none\"}");
        kafka.send("ai.requests", "k3", "{\"prompt\":\"bad key\",\"request_id\":\"kk-bad\"}", "api-key", "sk-gw-wrong-FAKE-1234");
        List<ConsumerRecord<byte[], byte[]>> replies = kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> withIdPrefix(all, "kk-").size() >= 3);
        JsonNode ok = reply(replies, "kk-ok");
        assertTrue(ok.path("success").asBoolean(), ok.toString());
        JsonNode none = reply(replies, "kk-none");
        assertFalse(none.path("success").asBoolean());
        assertEquals("missing_api_key", none.at("/error/code").asText());
        assertEquals(401, none.at("/error/status").asInt());
        assertEquals("invalid_api_key", reply(replies, "kk-bad").at("/error/code").asText());
        assertEquals(1, gw.sim("openai").calls(), "only the keyed record reached a provider");

        // the key allows 1 request per minute: the next one is refused with a retry hint, not dropped
        RecordMetadata last = kafka.send("ai.requests", "k4", "{\"prompt\":\"again\",\"request_id\":\"kk-rate\"}",
                "api-key", secret);
        JsonNode rate = reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !withIdPrefix(all, "kk-rate").isEmpty()), "kk-rate");
        assertEquals("rate_limit_exceeded", rate.at("/error/code").asText());
        assertTrue(rate.at("/error/retry_after_s").asLong() >= 1);
        kafka.awaitCommitted(last);
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readAll("ai.requests.dlq");
        assertTrue(dead.size() >= 2, "the refused records (kk-none, kk-bad, kk-rate) are dead letters: " + dead.size());
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            assertFalse(new String(r.value(), StandardCharsets.UTF_8).contains(secret), "the dead-letter value carries no key");
            for (Header h : r.headers()) {
                assertFalse(new String(h.value(), StandardCharsets.UTF_8).contains(secret),
                        "the dead-letter header " + h.key() + " carries no key");
            }
        }
    }

    @Test
    void anUnauthenticatedRecordCallsNoProviderAndCreatesNothing() {
        Set<String> topicsBefore = kafka.topics();
        long callsBefore = gw.sim("openai").calls();
        RecordMetadata sent = kafka.send("ai.requests", "stranger", "{\"prompt\":\"free ride\",\"request_id\":\"ks-stranger\"}",
                "reply-to", "ai.responses.stranger-made-this");
        JsonNode refused = reply(kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !withIdPrefix(all, "ks-stranger").isEmpty()), "ks-stranger");
        assertEquals("missing_api_key", refused.at("/error/code").asText(), "refused first, on the default reply topic");
        kafka.awaitCommitted(sent);
        assertEquals(topicsBefore, kafka.topics(), "no topic created for a record without a key");
        assertEquals(callsBefore, gw.sim("openai").calls(), "no provider called");
        ConsumerRecord<byte[], byte[]> dead = kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("ks-stranger")).findFirst().orElseThrow();
        assertEquals("missing_api_key", KafkaTestSupport.header(dead, "dlq-code"));
    }

    private static JsonNode reply(List<ConsumerRecord<byte[], byte[]>> all, String id) {
        return withIdPrefix(all, id).stream().map(KafkaTestSupport::json).reduce((a, b) -> b).orElseThrow(
                () -> new AssertionError("no reply for " + id));
    }
}

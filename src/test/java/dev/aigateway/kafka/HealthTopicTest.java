package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.simulator.Faults;

/**
 * Health results travel over Kafka: published with every field, honoured when another instance probing the
 * same targets saw them, and ignored when they are about anything else or dated where no probe can be.
 */
class HealthTopicTest {
    static final String TOPIC = "ai.provider-health";
    static final List<String> PROVIDERS = List.of("openai", "anthropic", "deepseek", "holysheep", "gemini");
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

    /** Every provider healthy again, by a newer record on the topic (the newest record per provider wins). */
    @BeforeEach
    void allHealthy() {
        gw.reset();
        for (String p : PROVIDERS) {
            kafka.send(TOPIC, p, record(p, true, Instant.now()).toString());
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> health().results().stream().filter(ProviderHealth.Result::healthy).count() == PROVIDERS.size());
    }

    @Test
    void probeResultsArePublishedWithEveryField() {
        List<ConsumerRecord<byte[], byte[]>> records = kafka.readUntil(TOPIC, Duration.ofSeconds(20),
                all -> all.stream().anyMatch(r -> "openai".equals(text(r.key())) && text(r.value()).contains("gw-test")));
        JsonNode openai = records.stream().filter(r -> "openai".equals(text(r.key()))).map(KafkaTestSupport::json)
                .filter(n -> "gw-test".equals(n.path("instance").asText())).findFirst().orElseThrow();
        assertEquals("openai", openai.path("provider").asText());
        assertTrue(openai.path("healthy").isBoolean() && openai.path("healthy").asBoolean(), openai.toString());
        assertEquals(200, openai.path("status").asInt());
        assertTrue(openai.path("latency_ms").isIntegralNumber() && openai.path("latency_ms").asLong() >= 0, openai.toString());
        assertTrue(openai.has("error") && openai.get("error").isNull(), openai.toString());
        Instant at = Instant.parse(openai.path("timestamp").asText());
        assertTrue(at.isBefore(Instant.now()) && at.isAfter(Instant.now().minusSeconds(120)), at.toString());
        String fingerprint = openai.path("fingerprint").asText();
        assertTrue(fingerprint.matches("[0-9a-f]{16}"), fingerprint);
        assertEquals(health().fingerprint("openai"), fingerprint);
        assertFalse(fingerprint.equals(health().fingerprint("anthropic")), "one per provider");
    }

    @Test
    void aResultPublishedByAnotherInstanceProbingTheSameTargetIsHonoured() {
        // a malformed record first: the listener goes on to the next one
        double malformed = ignored("malformed");
        kafka.send(TOPIC, "openai", "{not json");
        kafka.send(TOPIC, "openai", "{\"provider\":\"openai\",\"timestamp\":\"" + Instant.now() + "\"}"); // no healthy
        kafka.send(TOPIC, "openai", record("openai", false, Instant.now()).put("error", "timeout").toString());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> !result("openai").healthy());
        assertEquals(malformed + 2, ignored("malformed"));
        assertEquals("gw-other", result("openai").instance());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("skip " + i));
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("unhealthy", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        }
        assertEquals(0, gw.sim("openai").calls(), "skipped on the other instance's word: no call reaches it");

        kafka.send(TOPIC, "openai", record("openai", true, Instant.now()).toString());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> result("openai").healthy());
        HttpResponse<String> r = gw.chat(TestGateway.request("back"));
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(1, gw.sim("openai").calls());
    }

    @Test
    void aFutureDatedRecordIsIgnored() {
        double before = ignored("future_timestamp");
        kafka.send(TOPIC, "openai", record("openai", false, Instant.parse("9999-01-01T00:00:00Z")).toString());
        kafka.send(TOPIC, "openai", record("openai", false, Instant.now().plusSeconds(60)).toString());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> ignored("future_timestamp") == before + 2);
        assertTrue(result("openai").healthy(), result("openai").toString());
        assertTrue(result("openai").timestamp().isBefore(Instant.now()));
        HttpResponse<String> r = gw.chat(TestGateway.request("still called"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("openai", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals(1, gw.sim("openai").calls());
    }

    @Test
    void recordsAboutAnythingElseAreCountedAndAddNothing() {
        String stranger = "nonesuch-" + UUID.randomUUID();
        Map<String, Double> before = Map.of("unknown_provider", ignored("unknown_provider"), "key_mismatch",
                ignored("key_mismatch"), "fingerprint", ignored("fingerprint"), "too_old", ignored("too_old"));
        kafka.send(TOPIC, stranger, record("openai", false, Instant.now()).put("provider", stranger).toString());
        kafka.send(TOPIC, "anthropic", record("openai", false, Instant.now()).toString()); // key is not its provider
        kafka.send(TOPIC, "openai", record("openai", false, Instant.now()).put("fingerprint", "0123456789abcdef").toString());
        ObjectNode unfingerprinted = record("openai", false, Instant.now());
        unfingerprinted.remove("fingerprint"); // as an earlier version published them
        kafka.send(TOPIC, "openai", unfingerprinted.toString());
        // health.max-age defaults to 3 x health.interval (1 h here)
        kafka.send(TOPIC, "openai", record("openai", false, Instant.now().minus(Duration.ofHours(3)).minusSeconds(5)).toString());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                ignored("unknown_provider") == before.get("unknown_provider") + 1
                        && ignored("key_mismatch") == before.get("key_mismatch") + 1
                        && ignored("fingerprint") == before.get("fingerprint") + 2
                        && ignored("too_old") == before.get("too_old") + 1);

        assertEquals(PROVIDERS.size(), health().results().size(), "no entry for a provider that is not configured");
        assertTrue(health().results().stream().allMatch(ProviderHealth.Result::healthy), health().results().toString());
        String metrics = gw.management("/observe/metrics").body();
        assertFalse(metrics.contains("nonesuch"), "no metric series for it");
        assertTrue(metrics.contains("gateway_provider_healthy{deployment=\"openai\",provider=\"openai\"} 1"), "openai still up");
        HttpResponse<String> r = gw.chat(TestGateway.request("still called"));
        assertEquals("openai", r.headers().firstValue("x-gateway-attempts").orElseThrow());
    }

    @Test
    void byDefaultEveryProviderMarkedDownByAValidRecordIsStillCalled() {
        for (String p : List.of("openai", "anthropic", "deepseek")) {
            kafka.send(TOPIC, p, record(p, false, Instant.now()).toString());
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                health().results().stream().filter(r -> !r.healthy()).count() == 3);
        gw.sim("openai").faults(Faults.of("error"));
        gw.sim("anthropic").faults(Faults.of("error"));
        HttpResponse<String> r = gw.chat(TestGateway.request("marked down, yet up"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(List.of(1L, 1L, 1L), List.of(gw.sim("openai").calls(), gw.sim("anthropic").calls(),
                gw.sim("deepseek").calls()), "each really called once");
    }

    /** A valid record from another instance probing what this one probes (same fingerprint). */
    static ObjectNode record(String provider, boolean healthy, Instant at) {
        return Json.object().put("provider", provider).put("healthy", healthy).put("latency_ms", healthy ? 40 : 5000)
                .put("status", healthy ? 200 : 0).put("error", healthy ? null : "SocketTimeoutException")
                .put("timestamp", at.toString()).put("instance", "gw-other")
                .put("fingerprint", health().fingerprint(provider));
    }

    static ProviderHealth health() {
        return gw.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class);
    }

    static ProviderHealth.Result result(String provider) {
        return health().results().stream().filter(r -> r.provider().equals(provider)).findFirst().orElseThrow();
    }

    /** gateway_health_records_ignored_total{reason} as /observe/metrics shows it (0 before the first). */
    static double ignored(String reason) {
        return ignored(gw.management("/observe/metrics").body(), reason);
    }

    static double ignored(String metrics, String reason) {
        return metrics.lines().filter(l -> l.startsWith("gateway_health_records_ignored_total{")
                && l.contains("reason=\"" + reason + "\"")).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }
}

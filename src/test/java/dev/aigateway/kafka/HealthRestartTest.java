package dev.aigateway.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.camel.test.AvailablePortFinder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.health.ProviderHealth;

/**
 * A gateway starting on a broker that kept an earlier run's health records — that run probed other URLs
 * and saw every provider down a moment ago — answers every request from the moment it reports ready.
 */
class HealthRestartTest {
    static final List<String> PROVIDERS = List.of("openai", "anthropic", "deepseek", "holysheep", "gemini");

    @Test
    void requestsRightAfterReadinessAreNotFailedByAnEarlierRunsHealthRecords() throws Exception {
        try (KafkaTestSupport kafka = new KafkaTestSupport()) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.brokers()))) {
                admin.createTopics(List.of(new NewTopic(HealthTopicTest.TOPIC, 1, (short) 1)
                        .configs(Map.of("cleanup.policy", "compact")))).all().get();
            }
            for (String p : PROVIDERS) {
                // the earlier run: other base URLs, so other fingerprints; and one from before fingerprints existed
                kafka.send(HealthTopicTest.TOPIC, p, Json.object().put("provider", p).put("healthy", false)
                        .put("latency_ms", 5000).put("status", 0).put("error", "ConnectException: Connection refused")
                        .put("timestamp", Instant.now().minusSeconds(2).toString()).put("instance", "gw-earlier-run")
                        .put("fingerprint", "5ca1ab1e" + Integer.toHexString(0x10000000 + p.length())).toString());
                kafka.send(HealthTopicTest.TOPIC, p, "{\"provider\":\"" + p + "\",\"healthy\":false,\"latency_ms\":0,"
                        + "\"status\":503,\"error\":\"HTTP 503\",\"timestamp\":\"" + Instant.now() + "\",\"instance\":\"gw-older\"}");
            }

            int port = AvailablePortFinder.getNextAvailable();
            int managementPort = AvailablePortFinder.getNextAvailable();
            Map<String, String> settings = new HashMap<>(kafka.gatewaySettings());
            settings.put("gateway.http.port", String.valueOf(port));
            settings.put("camel.management.port", String.valueOf(managementPort));
            settings.put("gateway.instance", "gw-restarted");
            CompletableFuture<TestGateway> starting = CompletableFuture.supplyAsync(() -> TestGateway.start(settings));
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> {
                    HttpResponse<String> h = ReadinessTest.health(managementPort);
                    return h != null && h.statusCode() == 200;
                });
                long ready = System.nanoTime();
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("right after ready " + i))).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                long sentWithinMs = (System.nanoTime() - ready) / 1_000_000;
                assertTrue(sentWithinMs <= 100, "all 10 sent within 100 ms of readiness: " + sentWithinMs + " ms");
                for (CompletableFuture<HttpResponse<String>> a : answers) {
                    HttpResponse<String> r = a.get();
                    assertEquals(200, r.statusCode(), r.body());
                    assertEquals("openai", r.headers().firstValue("x-gateway-attempts").orElseThrow(),
                            "the first provider answered, nothing skipped: " + r.body());
                }

                // every record of the earlier runs has been read by now, and none of them counted
                TestGateway gw = starting.get();
                gw.port = port; // the ports this test chose (it had to know them before start() returned)
                gw.managementPort = managementPort;
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() ->
                        HealthTopicTest.ignored(gw.management("/observe/metrics").body(), "fingerprint") == 2 * PROVIDERS.size());
                ProviderHealth health = gw.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class);
                assertTrue(health.results().stream().allMatch(r -> r.healthy() && "gw-restarted".equals(r.instance())),
                        health.results().toString());
                for (int i = 0; i < 10; i++) {
                    assertEquals("openai", gw.chat(TestGateway.request("later " + i)).headers().firstValue("x-gateway-attempts")
                            .orElseThrow());
                }
            } finally {
                starting.get().close();
            }
        }
    }
}

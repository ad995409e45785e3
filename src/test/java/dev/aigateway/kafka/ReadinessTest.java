package dev.aigateway.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.health.ProviderHealth;

/**
 * Readiness (/observe/health): DOWN until this instance has probed every provider once, and DOWN when the
 * Kafka broker is lost (Camel's consumer checks) while HTTP keeps answering.
 */
class ReadinessTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void readinessWaitsForThisInstancesFirstProbeOfEveryProvider() throws Exception {
        // gemini's upstream takes the connection and never answers: its first probe lasts health.timeout
        try (KafkaTestSupport kafka = new KafkaTestSupport();
                ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int managementPort = AvailablePortFinder.getNextAvailable();
            Map<String, String> settings = new HashMap<>(kafka.gatewaySettings());
            settings.put("camel.management.port", String.valueOf(managementPort));
            settings.put("provider.gemini.base-url", "http://127.0.0.1:" + silent.getLocalPort() + "/v1");
            settings.put("health.timeout", "4s");
            CompletableFuture<TestGateway> starting = CompletableFuture.supplyAsync(() -> TestGateway.start(settings));
            try {
                // the routes run (Kafka consumers up, the others probed) yet it is not ready: gemini's probe is out
                AtomicReference<HttpResponse<String>> seen = new AtomicReference<>();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    HttpResponse<String> r = health(managementPort);
                    seen.set(r);
                    return r != null && r.statusCode() == 503 && downChecks(r).equals(Map.of("provider-probes",
                            "waiting for this instance's first probe of [gemini]"));
                });
                assertEquals("DOWN", Json.MAPPER.readTree(seen.get().body()).path("status").asText());

                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> health(managementPort).statusCode() == 200);
                ProviderHealth probes = starting.get().context().getRegistry().lookupByNameAndType("providerHealth",
                        ProviderHealth.class);
                assertTrue(probes.firstRoundDone());
                ProviderHealth.Result gemini = probes.results().stream().filter(r -> r.provider().equals("gemini"))
                        .findFirst().orElseThrow();
                assertFalse(gemini.healthy(), "UP once the probe ended, whatever it found: " + gemini);
                assertEquals("UP", Json.MAPPER.readTree(health(managementPort).body()).path("status").asText());
            } finally {
                starting.get().close();
            }
        }
    }

    @Test
    void losingTheBrokerMakesTheGatewayUnreadyButHttpKeepsServing() throws Exception {
        KafkaTestSupport kafka = new KafkaTestSupport();
        try (TestGateway gw = TestGateway.start(kafka.gatewaySettings())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.management("/observe/health").statusCode() == 200);
            kafka.close();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> gw.management("/observe/health").statusCode() != 200);
            HttpResponse<String> r = gw.management("/observe/health");
            assertEquals(503, r.statusCode(), r.body());
            Map<String, String> down = downChecks(r);
            assertTrue(down.keySet().stream().anyMatch(c -> c.startsWith("consumer:kafka-")), "a Kafka consumer check: " + down);
            assertFalse(down.containsKey("provider-probes"), "the providers were probed: " + down);
            assertEquals(200, gw.chat(TestGateway.request("still here")).statusCode(), "HTTP keeps serving");
        }
    }

    /** The checks reported DOWN, by name, with their messages. */
    static Map<String, String> downChecks(HttpResponse<String> r) throws Exception {
        Map<String, String> down = new HashMap<>();
        for (JsonNode c : Json.MAPPER.readTree(r.body()).path("checks")) {
            if ("DOWN".equals(c.path("status").asText())) {
                down.put(c.path("name").asText(), c.path("message").asText());
            }
        }
        return down;
    }

    /** GET /observe/health; null while the management port is not listening yet. */
    static HttpResponse<String> health(int managementPort) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/observe/health"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException notListening) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package dev.aigateway.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.component.kafka.KafkaConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.simulator.Faults;

/** routes/health.yaml with a short interval, against a real upstream that goes down, gets busy, refuses keys. */
class HealthCheckTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("health.interval", "500ms", "health.timeout", "300ms"));

    @Test
    void byDefaultProvidersMarkedDownAreStillCalledBeforeTheRequestFails() throws Exception {
        // health.mode is not set: the shipped default (try-last)
        try (TestGateway g = TestGateway.start()) {
            for (String p : List.of("openai", "anthropic", "deepseek")) {
                observe(g, p, false); // as another instance's probe of the same targets would
            }
            assertEquals(List.of(false, false, false), List.of(result(g, "openai").healthy(),
                    result(g, "anthropic").healthy(), result(g, "deepseek").healthy()));
            g.sim("openai").faults(Faults.of("error"));
            g.sim("anthropic").faults(Faults.of("error"));
            HttpResponse<String> r = g.chat(TestGateway.request("last resort"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("openai,anthropic,deepseek,openai,anthropic,deepseek",
                    r.headers().firstValue("x-gateway-attempts").orElseThrow());
            JsonNode attempts = TestGateway.json(r).at("/gateway/attempts");
            assertEquals(List.of("unhealthy", "unhealthy", "unhealthy", "http_500", "http_500", "ok"),
                    attempts.findValuesAsText("outcome"));
            assertEquals(List.of(1L, 1L, 1L), List.of(g.sim("openai").calls(), g.sim("anthropic").calls(),
                    g.sim("deepseek").calls()), "every provider of the chain was really called, once");

            // all of them really failing: now, and only now, 503 — after a real call to each
            g.sim("deepseek").faults(Faults.of("error"));
            HttpResponse<String> failed = g.chat(TestGateway.request("all down"));
            assertEquals(503, failed.statusCode(), failed.body());
            assertEquals(List.of("unhealthy", "unhealthy", "unhealthy", "http_500", "http_500", "http_500"),
                    TestGateway.json(failed).at("/error/providers_tried").findValuesAsText("outcome"));
            assertEquals(List.of(2L, 2L, 2L), List.of(g.sim("openai").calls(), g.sim("anthropic").calls(),
                    g.sim("deepseek").calls()));
        }
    }

    @Test
    void skipModeLeavesProvidersMarkedDownUncalled() throws Exception {
        try (TestGateway skip = TestGateway.start(Map.of("health.mode", "skip"))) {
            observe(skip, "openai", false);
            skip.sim("anthropic").faults(Faults.of("error"));
            skip.sim("deepseek").faults(Faults.of("error"));
            HttpResponse<String> r = skip.chat(TestGateway.request("skip mode"));
            assertEquals(503, r.statusCode());
            assertEquals(List.of("unhealthy", "http_500", "http_500"),
                    TestGateway.json(r).at("/error/providers_tried").findValuesAsText("outcome"));
            assertEquals(0, skip.sim("openai").calls());
        }
    }

    @Test
    void aProbeAnswered429CoolsTheProviderDownWithoutMarkingItUnhealthy() {
        Cooldowns cooldowns = gw.context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class);
        try {
            gw.sim("openai").faults(Faults.of("error").withStatus(429).withRetryAfter(120));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> result(gw, "openai").status() == 429);
            ProviderHealth.Result probed = result(gw, "openai");
            assertTrue(probed.healthy(), "alive and busy is not down: " + probed);
            long remaining = cooldowns.remainingMs("openai");
            assertTrue(remaining > 60_000 && remaining <= 120_000, "Retry-After (120 s) honoured: " + remaining);

            HttpResponse<String> r = gw.chat(TestGateway.request("busy"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("cooling_down", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
            assertEquals(0, gw.sim("openai").calls());
        } finally {
            gw.sim("openai").faults(Faults.none(0));
            await().atMost(Duration.ofSeconds(5)).until(() -> result(gw, "openai").status() == 200);
            cooldowns.clear();
        }
    }

    @Test
    void aProbeWhoseKeyIsRefusedMarksTheProviderUnhealthyNamingTheKeysVariable() throws Exception {
        Path keyFile = Files.createTempFile("openai-key", ".txt");
        String key = "sk-test-FAKE-health-probe-0123456789";
        Files.writeString(keyFile, key, StandardCharsets.UTF_8);
        try (CapturedLog log = new CapturedLog(ProviderHealth.class);
                TestGateway g = TestGateway.start(Map.of("health.interval", "300ms", "health.timeout", "300ms",
                        "provider.openai.api-key-file", keyFile.toString()))) {
            long probes = g.sim("openai").probes();
            g.sim("openai").faults(Faults.of("error").withStatus(401));
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !result(g, "openai").healthy());
            ProviderHealth.Result probed = result(g, "openai");
            assertEquals(401, probed.status());
            assertEquals(ProviderHealth.CREDENTIALS, probed.error());

            HttpResponse<String> r = g.chat(TestGateway.request("refused key"));
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
            JsonNode first = TestGateway.json(r).at("/gateway/attempts/0");
            assertEquals("unhealthy", first.path("outcome").asText());
            assertTrue(first.path("error").asText().endsWith(": credentials"), first.toString());

            // one WARN for the change, however many probes are refused after it
            await().atMost(Duration.ofSeconds(5)).until(() -> g.sim("openai").probes() >= probes + 4);
            List<String> warnings = log.lines("WARN", "refused the key of its health probe");
            assertEquals(1, warnings.size(), log.all().toString());
            assertTrue(warnings.get(0).contains("OPENAI_API_KEY"), warnings.get(0));
            assertTrue(warnings.get(0).contains("provider.openai.api-key-env"), warnings.get(0));
            assertFalse(log.all().stream().anyMatch(l -> l.contains(key)), "never the key itself");
        } finally {
            Files.deleteIfExists(keyFile);
        }
    }

    @Test
    void aProviderWithoutAModelsListIsProbedWithAOneTokenCompletion() {
        try (TestGateway g = TestGateway.start(Map.of("provider.deepseek.health-path", "completion"))) {
            // TestGateway waited for the first probe of every provider
            assertEquals(0, g.sim("deepseek").probes(), "no GET of the models list");
            assertEquals(1, g.sim("deepseek").calls(), "a completion was the probe");
            assertTrue(result(g, "deepseek").healthy());
            assertEquals(1, g.sim("openai").probes(), "the others still GET their models list");
        }
    }

    @Test
    void deadProviderIsSkippedUntilItsProbeSucceedsAgain() {
        gw.sim("openai").faults(Faults.of("drop")); // the whole API is gone, models list included
        long probes = gw.sim("openai").probes();
        // marked unhealthy within one interval (plus the probe timeout)
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(300)).until(() -> {
            HttpResponse<String> r = gw.chat(TestGateway.request("probe me"));
            return "unhealthy".equals(TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        });
        assertTrue(gw.sim("openai").probes() > probes, "the timer probed it");
        assertFalse(result(gw, "openai").healthy());
        long chatCalls = gw.sim("openai").calls();
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("skip " + i));
            assertEquals(200, r.statusCode());
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
        }
        assertEquals(chatCalls, gw.sim("openai").calls(), "no chat call reaches a provider known to be down");

        gw.sim("openai").faults(Faults.none(0));
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).until(() ->
                "openai".equals(gw.chat(TestGateway.request("back")).headers().firstValue("x-gateway-provider").orElse("")));
        assertTrue(result(gw, "openai").healthy());
    }

    static ProviderHealth health(TestGateway g) {
        return g.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class);
    }

    static ProviderHealth.Result result(TestGateway g, String provider) {
        return health(g).results().stream().filter(r -> r.provider().equals(provider)).findFirst().orElseThrow();
    }

    /**
     * Feeds a valid record — this instance's fingerprint, record key = provider, timestamp now — through the
     * entry the health topic's listener uses, as another instance probing the same targets would publish it.
     */
    private static void observe(TestGateway g, String provider, boolean healthy) {
        var exchange = new org.apache.camel.support.DefaultExchange(g.context());
        exchange.getMessage().setHeader(KafkaConstants.KEY, provider.getBytes(StandardCharsets.UTF_8));
        exchange.getMessage().setBody(("{\"provider\":\"" + provider + "\",\"healthy\":" + healthy
                + ",\"latency_ms\":1,\"status\":" + (healthy ? 200 : 0) + ",\"error\":null,\"timestamp\":\""
                + Instant.now() + "\",\"instance\":\"other\",\"fingerprint\":\"" + health(g).fingerprint(provider) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        health(g).observed(exchange);
    }
}

package dev.aigateway.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** routes/health.yaml with a short interval, against a real upstream that goes down and comes back. */
class HealthCheckTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("health.interval", "500ms", "health.timeout", "300ms"));

    @Test
    void tryLastGivesAnUnhealthyProviderOneMoreChanceBeforeFailing() throws Exception {
        try (TestGateway tryLast = TestGateway.start(Map.of("health.mode", "try-last"))) {
            markUnhealthy(tryLast, "openai"); // as another instance's probe would
            tryLast.sim("anthropic").faults(Faults.of("error"));
            tryLast.sim("deepseek").faults(Faults.of("error"));
            HttpResponse<String> r = tryLast.chat(TestGateway.request("last resort"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("openai,anthropic,deepseek,openai", r.headers().firstValue("x-gateway-attempts").orElseThrow());
            assertEquals("unhealthy", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
            assertEquals(1, tryLast.sim("openai").calls());
        }
        // the default mode, skip, fails instead (probes every hour here: nothing overrides the mark)
        try (TestGateway skip = TestGateway.start()) {
            markUnhealthy(skip, "openai");
            skip.sim("anthropic").faults(Faults.of("error"));
            skip.sim("deepseek").faults(Faults.of("error"));
            HttpResponse<String> r = skip.chat(TestGateway.request("skip mode"));
            assertEquals(503, r.statusCode());
            assertEquals(0, skip.sim("openai").calls());
        }
    }

    @Test
    void aProviderWithoutAModelsListIsProbedWithAOneTokenCompletion() {
        try (TestGateway g = TestGateway.start(Map.of("provider.deepseek.health-path", "completion"))) {
            // TestGateway waited for the first probe of every provider
            assertEquals(0, g.sim("deepseek").probes(), "no GET of the models list");
            assertTrue(g.sim("deepseek").calls() >= 1, "a completion was the probe");
            assertTrue(g.sim("openai").probes() >= 1, "the others still GET their models list");
        }
    }

    private static void markUnhealthy(TestGateway g, String provider) throws Exception {
        observe(g, provider, false);
    }

    /** Feeds a health record through the same entry the health topic's listener uses. */
    private static void observe(TestGateway g, String provider, boolean healthy) throws Exception {
        var exchange = new org.apache.camel.support.DefaultExchange(g.context());
        exchange.getMessage().setBody(("{\"provider\":\"" + provider + "\",\"healthy\":" + healthy
                + ",\"latency_ms\":1,\"status\":" + (healthy ? 200 : 0) + ",\"error\":null,\"timestamp\":\""
                + java.time.Instant.now() + "\",\"instance\":\"other\"}").getBytes());
        g.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class).observed(exchange);
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
    }
}

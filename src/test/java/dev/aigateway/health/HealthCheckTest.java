package dev.aigateway.health;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** routes/health.yaml with a short interval, against a real upstream that goes down and comes back. */
class HealthCheckTest {
    static TestGateway gw;

    @BeforeAll
    static void start() {
        gw = TestGateway.start(Map.of("health.interval", "500ms", "health.timeout", "300ms"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void deadProviderIsSkippedUntilItsProbeSucceedsAgain() {
        gw.reset();
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

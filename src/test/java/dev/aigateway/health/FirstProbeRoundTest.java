package dev.aigateway.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/**
 * Readiness (provider-probes) waits for this instance's first probe of every provider, so that round must start
 * with the routes, not a timer delay later (Camel's timer waits 1 s by default): start-up to ready is the sum.
 */
class FirstProbeRoundTest {
    @Test
    void theFirstProbeRoundStartsWithTheRoutes() throws Exception {
        // a long interval: the only probe of each provider is the first round's
        try (TestGateway g = TestGateway.start(Map.of("health.interval", "1h"))) {
            var route = g.context().getRoute("health-check");
            Instant routeStarted = Instant.now().minusMillis(route.getUptimeMillis());
            ProviderHealth health = g.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class);
            assertTrue(health.firstRoundDone());
            assertEquals(health.providerNames().size(), health.results().size());
            for (ProviderHealth.Result r : health.results()) {
                // when the probe was sent: its result's time less its latency
                long afterRouteStart = r.timestamp().minusMillis(r.latencyMs()).toEpochMilli() - routeStarted.toEpochMilli();
                assertTrue(afterRouteStart < 800, r.provider() + "'s first probe was sent " + afterRouteStart
                        + " ms after the health route started (Camel's timer default delay is 1000 ms)");
            }
            assertEquals(200, g.management("/observe/health").statusCode(), "ready once every provider was probed");
        }
    }
}

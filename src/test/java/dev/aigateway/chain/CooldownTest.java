package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** Rate limits: cooldowns shared by all chains, exponential without Retry-After, and every provider cooling down. */
class CooldownTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.rate-limit-cooldown", "800ms",
            "gateway.wait-for-cooldown-max", "2s"));

    @Test
    void a429WithoutRetryAfterCoolsTheProviderDownThenItIsCalledAgain() {
        gw.sim("openai").faults(Faults.of("rate-limit")); // no Retry-After, like many real 429s
        assertEquals("anthropic", gw.chat(TestGateway.request("one")).headers().firstValue("x-gateway-provider").orElse(null));
        HttpResponse<String> second = gw.chat(TestGateway.request("two"));
        assertEquals("cooling_down", TestGateway.json(second).at("/gateway/attempts/0/outcome").asText());
        assertEquals(1, gw.sim("openai").calls(), "no call while it cools down, not even from another chain");
        assertEquals("anthropic", gw.chat(TestGateway.request("premium"), "x-gateway-chain", "premium")
                .headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals(1, gw.sim("openai").calls());
        JsonNode status = TestGateway.json(gw.admin("/admin/providers")).path("providers").get(0);
        assertEquals("openai", status.path("provider").asText());
        long remaining = status.path("cooldown_remaining_ms").asLong();
        // the first cooldown is drawn from 50-100 % of gateway.rate-limit-cooldown (800 ms here): read, not timed
        assertTrue(remaining > 0 && remaining <= 800, "the status page shows the first cooldown: " + status);

        gw.sim("openai").faults(Faults.none(0));
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50)).until(() ->
                "openai".equals(gw.chat(TestGateway.request("back")).headers().firstValue("x-gateway-provider").orElse(null)));
        assertEquals(2, gw.sim("openai").calls(), "called again once the cooldown is over, not before");
    }

    @Test
    void everyProviderCoolingDownLongerThanTheWaitIsA429WithRetryAfter() {
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.of("rate-limit").withRetryAfter(30));
        }
        HttpResponse<String> r = gw.chat(TestGateway.request("busy"));
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("all_providers_cooling_down", TestGateway.json(r).at("/error/code").asText());
        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 29 && retryAfter <= 30, "Retry-After " + retryAfter);
        HttpResponse<String> again = gw.chat(TestGateway.request("still busy"));
        assertEquals(429, again.statusCode());
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(1, gw.sim(p).calls(), p + " was called by the first request only");
        }
    }

    @Test
    void everyProviderCoolingDownBrieflyIsWaitedFor() throws Exception {
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.of("rate-limit").withRetryAfter(1));
        }
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> gw.chat(TestGateway.request("wait")));
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.sim("deepseek").calls() == 1);
        gw.sim("openai").faults(Faults.none(0)); // openai's rate limit is over when its cooldown ends
        HttpResponse<String> r = pending.get();
        long waited = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("openai", body.at("/gateway/provider").asText());
        assertTrue(waited >= 900, "waited for the first cooldown to end: " + waited);
        assertEquals(2, gw.sim("openai").calls());
    }
}

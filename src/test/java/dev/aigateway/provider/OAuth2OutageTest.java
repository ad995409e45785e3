package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * A token endpoint that hangs never stalls its provider: while the token is valid it keeps serving (renewal is
 * tried in the background, with backoff, not on every request); once it has expired the provider fails within
 * gateway.oauth2.timeout and the chain falls back; the token URL (here with a secret in its query) never shows
 * in what a client gets; and when the endpoint is back, so is the provider.
 */
class OAuth2OutageTest {
    static final long LIFETIME_MS = 4_000;
    static final long TIMEOUT_MS = 2_000;
    static final String URL_SECRET = "FAKE-URL-SECRET-5d6e7f";

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of(
            "provider.openai.oauth2.token-url", "@SIM@/_oauth/token?tenant=" + URL_SECRET,
            "provider.openai.oauth2.client-id", "gateway-client",
            "provider.openai.oauth2.client-secret-file", OAuth2TokenTest.secretFile().toString(),
            "gateway.oauth2.refresh-at", "0.25",
            "gateway.oauth2.timeout", TIMEOUT_MS + "ms"));

    @AfterEach
    void endpointBack() {
        gw.upstream.tokenFault(null);
    }

    @Test
    void aHungTokenEndpointLeavesTheValidTokenServingThenFallsBackWithinTheTimeout() {
        // a fresh 4 s token (renewal due after 1 s)
        long[] times = freshToken();
        long token = times[0];
        long asked = times[1];
        long answered = times[2];

        gw.upstream.tokenFault("hang");
        long tokenRequests = gw.upstream.tokenRequests();
        int served = 0;
        // renewal due from 1 s, the endpoint hangs: every request is answered at once, with the token still valid
        while (ms(asked) < 3_600) {
            long start = System.nanoTime();
            HttpResponse<String> r = gw.chat(TestGateway.request("valid " + served));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElse(null), r.body());
            assertTrue(ms(start) < 500, "answered after " + ms(start) + " ms at " + ms(asked) + " ms into the token");
            assertEquals("Bearer sim-token-" + token, gw.sim("openai").lastCredential());
            served++;
        }
        assertTrue(served >= 10, "requests served: " + served);
        assertEquals(1, gw.upstream.tokenRequests() - tokenRequests,
                "one renewal tried (at 1 s; the next 1 s after it timed out at 3 s), not one per request");

        // the token has expired, the endpoint still hangs: openai fails within the timeout, anthropic answers
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20))
                .until(() -> ms(answered) >= LIFETIME_MS + 150);
        long start = System.nanoTime();
        HttpResponse<String> r = gw.chat(TestGateway.request("expired"));
        long tookMs = ms(start);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode g = TestGateway.json(r).path("gateway");
        assertEquals("anthropic", g.path("provider").asText(), r.body());
        assertEquals("openai", g.at("/attempts/0/provider").asText());
        assertEquals("oauth2_token_unavailable", g.at("/attempts/0/outcome").asText(), r.body());
        assertTrue(tookMs >= TIMEOUT_MS - 100 && tookMs < TIMEOUT_MS + 700,
                "waited for one fetch, no longer than gateway.oauth2.timeout: " + tookMs + " ms");
        assertNoTokenUrl(r);

        // within the backoff: no wait at all, no new fetch
        long fetchesBefore = gw.upstream.tokenRequests();
        start = System.nanoTime();
        HttpResponse<String> fast = gw.chat(TestGateway.request("backoff"));
        assertEquals("anthropic", TestGateway.json(fast).at("/gateway/provider").asText(), fast.body());
        assertEquals("oauth2_token_unavailable", TestGateway.json(fast).at("/gateway/attempts/0/outcome").asText());
        assertTrue(ms(start) < 500, "failed fast in the backoff: " + ms(start) + " ms");
        assertEquals(fetchesBefore, gw.upstream.tokenRequests());
        assertNoTokenUrl(fast);

        // the endpoint answers again: after the backoff a new token, and openai serves again
        gw.upstream.tokenFault(null);
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> "openai".equals(
                gw.chat(TestGateway.request("back")).headers().firstValue("x-gateway-provider").orElse(null)));
        assertEquals("Bearer sim-token-" + (token + 1), gw.sim("openai").lastCredential());
    }

    @Test
    void aFailingTokenEndpointKeepsTheValidToken() {
        long[] times = freshToken();
        long token = times[0];
        long asked = times[1];

        gw.upstream.tokenFault("error");
        long tokenRequests = gw.upstream.tokenRequests();
        // past the renewal point (1 s): the endpoint refuses (HTTP 503), the valid token keeps serving
        while (ms(asked) < 3_500) {
            HttpResponse<String> r = gw.chat(TestGateway.request("valid"));
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElse(null), r.body());
            assertEquals("Bearer sim-token-" + token, gw.sim("openai").lastCredential());
        }
        long tried = gw.upstream.tokenRequests() - tokenRequests;
        assertTrue(tried >= 2 && tried <= 3, "renewal tried at 1 s, then after 1 s and 2 s backoffs, not per request: " + tried);
        assertEquals(token, gw.upstream.tokenCalls(), "no token issued while the endpoint fails");

        // back: the next try after the backoff brings a new token
        gw.upstream.tokenFault(null);
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            gw.chat(TestGateway.request("back"));
            return gw.sim("openai").lastCredential().equals("Bearer sim-token-" + (token + 1));
        });
    }

    /**
     * A fresh 4 s token: the provider refuses the one in force, the 401 fetches the next (retried until the
     * backoff a previous test may have left allows it). Returns the token's number and, as System.nanoTime,
     * when the request that fetched it was sent and answered: the token's clock started in between.
     */
    private static long[] freshToken() {
        gw.upstream.tokenTtlSeconds(LIFETIME_MS / 1000);
        long[] times = new long[3];
        Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            times[0] = gw.upstream.tokenCalls() + 1;
            gw.sim("openai").requireCredential("Bearer sim-token-" + times[0]);
            times[1] = System.nanoTime();
            HttpResponse<String> r = gw.chat(TestGateway.request("fresh token"));
            times[2] = System.nanoTime();
            return "openai".equals(r.headers().firstValue("x-gateway-provider").orElse(null));
        });
        gw.sim("openai").requireCredential(null);
        gw.reset(); // the breaker forgets any failure on the way
        return times;
    }

    private static void assertNoTokenUrl(HttpResponse<String> r) {
        assertFalse(r.body().contains(URL_SECRET), r.body());
        assertFalse(r.body().contains("_oauth"), r.body());
        assertFalse(r.body().contains(":" + gw.upstream.port()), r.body());
        r.headers().map().values().forEach(v -> assertFalse(v.toString().contains(URL_SECRET)));
    }

    private static long ms(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }
}

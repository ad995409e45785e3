package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * A provider behind OAuth2 client credentials (the simulator's token endpoint): one token serves many
 * requests, a 401 fetches a new one at once and calls the same provider again, and a token is renewed once
 * gateway.oauth2.refresh-at (80 %) of its lifetime has passed — with a 5 s token, after 4 s, clearly before
 * it expires at 5 s, so renewal at expiry (or on every request) fails this test.
 */
class OAuth2TokenTest {
    static final long LIFETIME_MS = 5_000;

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of(
            "provider.openai.oauth2.token-url", "@SIM@/_oauth/token",
            "provider.openai.oauth2.client-id", "gateway-client",
            "provider.openai.oauth2.client-secret-file", secretFile().toString(),
            "gateway.oauth2.refresh-at", "0.8"));

    static Path secretFile() {
        try {
            return Files.writeString(Files.createTempFile("client", ".secret"), "client-secret-FAKE+/=");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void oneTokenForManyRequestsRenewedAt80PercentOfItsLifetimeAndAfterA401() {
        long before = gw.upstream.tokenCalls(); // the start-up health probe fetched the first token
        for (int i = 0; i < 20; i++) {
            assertEquals(200, gw.chat(TestGateway.request("r" + i)).statusCode());
        }
        assertEquals(before, gw.upstream.tokenCalls(), "20 requests, no new token");
        assertEquals("Bearer sim-token-" + before, gw.sim("openai").lastCredential());

        // the provider stops accepting that token: a 401, a new token at once, the same provider again
        gw.upstream.tokenTtlSeconds(LIFETIME_MS / 1000);
        long asked = System.nanoTime();
        gw.sim("openai").requireCredential("Bearer sim-token-" + (before + 1));
        HttpResponse<String> r = gw.chat(TestGateway.request("after 401"));
        JsonNode g = TestGateway.json(r).path("gateway");
        assertEquals("openai", g.path("provider").asText(), r.body());
        assertEquals("auth_retried", g.at("/attempts/0/outcome").asText());
        assertEquals(before + 1, gw.upstream.tokenCalls());
        gw.sim("openai").requireCredential(null);

        // requests all along the token's life; the fetch count says when it was renewed (its clock started
        // between `asked` and now: bounds below are taken from the side that makes them strictest)
        long renewedAtMs = -1;
        String credentialBeforeExpiry = null;
        while (ms(asked) < LIFETIME_MS - 250) {
            assertEquals(200, gw.chat(TestGateway.request("t")).statusCode());
            long calls = gw.upstream.tokenCalls();
            long t = ms(asked);
            if (t < 3_800) {
                assertEquals(before + 1, calls, "renewed " + t + " ms into a 5 s token: before 80 %");
            } else if (calls == before + 2 && renewedAtMs < 0) {
                renewedAtMs = t;
            }
            assertTrue(calls <= before + 2, "one renewal, not one per request: " + (calls - before - 1));
            credentialBeforeExpiry = gw.sim("openai").lastCredential();
        }
        assertTrue(renewedAtMs >= 3_800 && renewedAtMs <= 4_500,
                "renewed " + renewedAtMs + " ms into a 5 s token: at 80 % (4 s), not at expiry (5 s)");
        assertEquals("Bearer sim-token-" + (before + 2), credentialBeforeExpiry,
                "the renewed token is in use before the old one expires");
    }

    private static long ms(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }
}

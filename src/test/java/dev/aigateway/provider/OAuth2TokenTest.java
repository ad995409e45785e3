package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * A provider behind OAuth2 client credentials (the simulator's token endpoint): one token serves many
 * requests, it is renewed once 80 % of its lifetime has passed, and a 401 fetches a new one at once and
 * calls the same provider again.
 */
class OAuth2TokenTest {
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
    void oneTokenForManyRequestsRenewedNearExpiryAndAfterA401() {
        long before = gw.upstream.tokenCalls(); // the start-up health probe fetched the first token
        for (int i = 0; i < 20; i++) {
            assertEquals(200, gw.chat(TestGateway.request("r" + i)).statusCode());
        }
        assertEquals(before, gw.upstream.tokenCalls(), "20 requests, no new token");
        assertEquals("Bearer sim-token-" + before, gw.sim("openai").lastCredential());

        // the provider stops accepting that token: a 401, a new token at once, the same provider again
        gw.upstream.tokenTtlSeconds(2);
        gw.sim("openai").requireCredential("Bearer sim-token-" + (before + 1));
        HttpResponse<String> r = gw.chat(TestGateway.request("after 401"));
        JsonNode g = TestGateway.json(r).path("gateway");
        assertEquals("openai", g.path("provider").asText(), r.body());
        assertEquals("auth_retried", g.at("/attempts/0/outcome").asText());
        assertEquals(before + 1, gw.upstream.tokenCalls());
        long fetched = System.nanoTime();

        // that token lives 2 s: renewed after 80 % (1.6 s), not before
        gw.sim("openai").requireCredential(null);
        while ((System.nanoTime() - fetched) / 1_000_000 < 1_300) {
            assertEquals(200, gw.chat(TestGateway.request("within")).statusCode());
        }
        assertEquals(before + 1, gw.upstream.tokenCalls(), "no renewal before 80 % of the lifetime");
        Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100)).until(() -> {
            gw.chat(TestGateway.request("renew"));
            return gw.upstream.tokenCalls() == before + 2;
        });
        long renewedAfter = (System.nanoTime() - fetched) / 1_000_000;
        assertTrue(renewedAfter >= 1_550 && renewedAfter < 2_100, "renewed after " + renewedAfter + " ms");
        assertEquals("Bearer sim-token-" + (before + 2), gw.sim("openai").lastCredential());
    }
}

package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** Gateway API keys over HTTP: who may call, revocation without restart, rate limit, budget, scope, admin API. */
class ApiKeysTest {
    static final Path DIR = tempDir();
    static final KeyFile FILE = new KeyFile(DIR.resolve("gateway-keys.json"));
    static final String ADMIN = "admin-secret-FAKE-7a1b2c3d4e5f";

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.auth.enabled", "true",
            "gateway.auth.keys-file", FILE.path().toString(), "gateway.auth.admin-key-file", writeAdmin().toString()));

    static Path tempDir() {
        try {
            return Files.createTempDirectory("keys");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Path writeAdmin() {
        try {
            return Files.writeString(DIR.resolve("admin.key"), ADMIN);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String key(String owner, List<String> chains, List<String> models, int rpm, double budget) throws Exception {
        String secret = FILE.create(owner, chains, models, rpm, budget).secret();
        awaitKnown(secret);
        return secret;
    }

    /** The gateway re-reads the file within a second: wait until the new key is accepted (or refused for quota). */
    static void awaitKnown(String secret) {
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> !"invalid_api_key".equals(
                TestGateway.json(gw.chat(TestGateway.request("probe"), "Authorization", "Bearer " + secret))
                        .at("/error/code").asText()));
    }

    @Test
    void missingWrongAndRevokedKeysAre401WithoutAProviderCall() throws Exception {
        HttpResponse<String> missing = gw.chat(TestGateway.request("no key"));
        assertEquals(401, missing.statusCode());
        assertEquals("missing_api_key", TestGateway.json(missing).at("/error/code").asText());
        HttpResponse<String> wrong = gw.chat(TestGateway.request("wrong"), "Authorization", "Bearer sk-gw-not-a-real-key-FAKE-0000");
        assertEquals(401, wrong.statusCode());
        assertEquals("invalid_api_key", TestGateway.json(wrong).at("/error/code").asText());
        assertFalse(wrong.body().contains("not-a-real-key"), "the presented key is not echoed");
        assertEquals(0, gw.sim("openai").calls());

        String secret = key("team-revoke", List.of(), List.of(), 0, 0);
        assertEquals(200, gw.chat(TestGateway.request("ok"), "Authorization", "Bearer " + secret).statusCode());
        String id = FILE.read().stream().filter(k -> k.owner().equals("team-revoke")).findFirst().orElseThrow().id();
        long revokedAt = System.nanoTime();
        assertTrue(FILE.revoke(id));
        Awaitility.await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> gw.chat(TestGateway.request("after"), "Authorization", "Bearer " + secret).statusCode() == 401);
        long ms = (System.nanoTime() - revokedAt) / 1_000_000;
        HttpResponse<String> revoked = gw.chat(TestGateway.request("after"), "Authorization", "Bearer " + secret);
        assertTrue(TestGateway.json(revoked).at("/error/message").asText().contains("revoked"));
        assertTrue(ms < 2_000, "revocation took effect after " + ms + " ms");
    }

    @Test
    void requestsPerMinuteAreLimitedWithRetryAfter() throws Exception {
        String secret = key("team-rpm", List.of(), List.of(), 3, 0);
        // awaitKnown used one request of the minute
        gw.reset();
        int ok = 0;
        HttpResponse<String> limited = null;
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("rpm " + i), "Authorization", "Bearer " + secret);
            if (r.statusCode() == 200) {
                ok++;
            } else if (limited == null) {
                limited = r;
            }
        }
        assertEquals(2, ok, "3 per minute, one of them used by the probe");
        assertEquals(2, gw.sim("openai").calls(), "refused requests never reach a provider");
        assertEquals(429, limited.statusCode());
        assertEquals("rate_limit_exceeded", TestGateway.json(limited).at("/error/code").asText());
        long retryAfter = Long.parseLong(limited.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
    }

    @Test
    void theMonthlyBudgetIsEnforced() throws Exception {
        // one simulated answer costs about 0.0001 USD at gpt-4.1 prices: the second request is over budget
        String secret = key("team-budget", List.of(), List.of(), 0, 0.00001);
        HttpResponse<String> over = gw.chat(TestGateway.request("more"), "Authorization", "Bearer " + secret);
        assertEquals(429, over.statusCode(), over.body());
        JsonNode error = TestGateway.json(over).path("error");
        assertEquals("insufficient_quota", error.path("code").asText());
        assertEquals("false", over.headers().firstValue("x-should-retry").orElse(null), "retrying cannot help");
    }

    @Test
    void keysAreScopedToChainsAndModels() throws Exception {
        String defaultOnly = key("team-scope", List.of("default"), List.of(), 0, 0);
        HttpResponse<String> premium = gw.chat(TestGateway.request("premium"), "Authorization", "Bearer " + defaultOnly,
                "x-gateway-chain", "premium");
        assertEquals(403, premium.statusCode());
        assertEquals("chain_not_allowed", TestGateway.json(premium).at("/error/code").asText());

        String claudeOnly = key("team-claude", List.of(), List.of("claude-sonnet-4-6"), 0, 0);
        gw.reset();
        HttpResponse<String> r = gw.chat(TestGateway.request("which model"), "Authorization", "Bearer " + claudeOnly);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals(0, gw.sim("openai").calls(), "a model the key may not use is skipped, not called");
        assertEquals("model_not_allowed", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
    }

    @Test
    void adminApiCreatesListsAndRevokesWithoutShowingSecrets() throws Exception {
        HttpResponse<String> noAdmin = admin("GET", "/admin/keys", null, "wrong-admin");
        assertEquals(401, noAdmin.statusCode());

        HttpResponse<String> created = admin("POST", "/admin/keys", "{\"owner\":\"team-admin\",\"rpm\":100,"
                + "\"monthly_budget_usd\":5,\"chains\":[\"default\"]}", ADMIN);
        assertEquals(201, created.statusCode(), created.body());
        String secret = TestGateway.json(created).path("key").asText();
        String id = TestGateway.json(created).path("id").asText();
        assertTrue(secret.startsWith("sk-gw-"));
        awaitKnown(secret);
        var probe = gw.sim("openai").lastUsage(); // the probe that got through was answered by openai
        HttpResponse<String> answered = gw.chat(TestGateway.request("admin made"), "Authorization", "Bearer " + secret);
        assertEquals(200, answered.statusCode());

        HttpResponse<String> list = admin("GET", "/admin/keys", null, ADMIN);
        assertEquals(200, list.statusCode());
        assertFalse(list.body().contains(secret) || list.body().contains(KeyFile.sha256(secret)), "no secret, no hash");
        JsonNode mine = null;
        for (JsonNode k : TestGateway.json(list).path("keys")) {
            if (k.path("id").asText().equals(id)) {
                mine = k;
            }
        }
        assertEquals("team-admin", mine.path("owner").asText());
        assertEquals(2, mine.at("/usage/requests").asLong(), "the probe and the request");
        assertEquals((probe.prompt() * 2.00 + probe.completion() * 8.00) / 1e6
                + TestGateway.json(answered).at("/gateway/cost_usd").asDouble(), mine.at("/usage/cost_usd").asDouble(), 1e-12,
                "the key is charged what its two requests cost");
        assertTrue(mine.at("/usage/cost_usd").asDouble() > 0);
        assertTrue(gw.management("/observe/metrics").body().contains("gateway_key_requests_total{key=\"" + id + "\",outcome=\"ok\"}"));

        assertEquals(200, admin("DELETE", "/admin/keys/" + id, null, ADMIN).statusCode());
        Awaitility.await().atMost(Duration.ofSeconds(2))
                .until(() -> gw.chat(TestGateway.request("x"), "Authorization", "Bearer " + secret).statusCode() == 401);
        assertEquals(404, admin("DELETE", "/admin/keys/key_nope", null, ADMIN).statusCode());
    }

    private static HttpResponse<String> admin(String method, String path, String body, String adminKey) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort + path))
                .header("Authorization", "Bearer " + adminKey).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}

package dev.aigateway.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;

/**
 * What bounds a stored reply: its TTL, the LRU size, and who may have it replayed (the gateway key that got
 * it) — and that a replay takes no rate-limit permit and is not charged.
 */
class IdempotencyBoundsTest {
    static final Path DIR = tempDir();
    static final KeyFile FILE = new KeyFile(DIR.resolve("gateway-keys.json"));
    static final String ADMIN = "admin-secret-FAKE-9a8b7c6d5e4f";

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(settings());

    static Map<String, String> settings() {
        try {
            Path admin = Files.writeString(DIR.resolve("admin.key"), ADMIN);
            return Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file", FILE.path().toString(),
                    "gateway.auth.admin-key-file", admin.toString(), "gateway.idempotency.ttl", "1500ms",
                    "gateway.idempotency.max-entries", "2");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("idem-keys");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new key (rpm 0: unlimited); its first request, once the gateway has read the key, is {@code first}. */
    static String key(String owner, int rpm, String firstBody) throws Exception {
        String secret = FILE.create(owner, List.of(), List.of(), rpm, 0).secret();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> call(secret, firstBody).statusCode() != 401);
        return secret;
    }

    static HttpResponse<String> call(String secret, String body) {
        return gw.chat(body, "Authorization", "Bearer " + secret);
    }

    static String request(String id) {
        return "{\"model\":\"gpt-4.1\",\"request_id\":\"" + id + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + id
                + "\"}]}";
    }

    static boolean replayed(HttpResponse<String> r) {
        return "true".equals(r.headers().firstValue(Idempotency.REPLAYED).orElse(null));
    }

    @Test
    void aReplayTakesNoRatePermitAndIsNotCharged() throws Exception {
        String id = "rpm-" + UUID.randomUUID();
        String secret = key("rpm-one", 1, request(id)); // its one request of the minute
        assertEquals(1, gw.sim("openai").calls());
        long requests = usage(secret);
        HttpResponse<String> again = call(secret, request(id));
        assertEquals(200, again.statusCode(), again.body());
        assertTrue(replayed(again));
        String refused = "rpm-new-" + UUID.randomUUID();
        assertEquals(429, call(secret, request(refused)).statusCode(),
                "the minute's one permit is used: only the replay got through");
        // a refusal is not stored, and its id is released at once: the same id is refused again, not held
        long before = System.nanoTime();
        assertEquals(429, call(secret, request(refused)).statusCode());
        assertTrue(System.nanoTime() - before < 5_000_000_000L, "not held by the first request's claim");
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(requests, usage(secret), "a replay is not charged to the key");
    }

    @Test
    void aStoredReplyIsReplayedOnlyToTheKeyThatGotIt() throws Exception {
        String id = "scope-" + UUID.randomUUID();
        String a = key("scope-a", 0, request(id));
        String b = key("scope-b", 0, TestGateway.request("b is known"));
        gw.reset();
        HttpResponse<String> other = call(b, request(id));
        assertEquals(200, other.statusCode(), other.body());
        assertTrue(!replayed(other), "another key's reply is never handed out");
        assertEquals(1, gw.sim("openai").calls());
        assertTrue(!replayed(call(b, request(id))), "nor stored over the first key's");
        assertTrue(replayed(call(a, request(id))), "the first key still gets its reply");
        assertEquals(2, gw.sim("openai").calls());
    }

    @Test
    void anEntryOlderThanTheTtlIsCalledAgain() throws Exception {
        String secret = key("ttl", 0, TestGateway.request("known"));
        gw.reset();
        String id = "ttl-" + UUID.randomUUID();
        call(secret, request(id));
        assertTrue(replayed(call(secret, request(id))));
        // past gateway.idempotency.ttl=1500ms: the store no longer knows the id
        Idempotency idempotency = gw.context().getRegistry().lookupByNameAndType("idempotency", Idempotency.class);
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> idempotency.store().get(id) == null);
        HttpResponse<String> late = call(secret, request(id));
        assertEquals(200, late.statusCode());
        assertTrue(!replayed(late), "expired: served as new");
        assertEquals(2, gw.sim("openai").calls());
    }

    @Test
    void theLeastRecentlyUsedEntryGoesBeyondMaxEntries() throws Exception {
        String secret = key("lru", 0, TestGateway.request("known"));
        gw.reset();
        String a = "lru-a-" + UUID.randomUUID();
        String b = "lru-b-" + UUID.randomUUID();
        String c = "lru-c-" + UUID.randomUUID();
        call(secret, request(a));
        call(secret, request(b));
        assertTrue(replayed(call(secret, request(a))), "a is now the most recently used");
        call(secret, request(c)); // max-entries=2: b goes
        assertEquals(3, gw.sim("openai").calls());
        assertTrue(replayed(call(secret, request(a))));
        assertTrue(replayed(call(secret, request(c))));
        assertTrue(!replayed(call(secret, request(b))), "b was evicted");
        assertEquals(4, gw.sim("openai").calls());
        assertEquals(2, gw.context().getRegistry().lookupByNameAndType("idempotency", Idempotency.class).store().size());
    }

    /** The key's requests this month, from GET /admin/keys. */
    static long usage(String secret) throws Exception {
        String id = FILE.read().stream().filter(k -> k.sha256().equals(KeyFile.sha256(secret))).findFirst().orElseThrow().id();
        HttpResponse<String> r = gw.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort
                + "/admin/keys")).header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
        for (JsonNode k : TestGateway.json(r).path("keys")) {
            if (k.path("id").asText().equals(id)) {
                return k.path("usage").path("requests").asLong();
            }
        }
        throw new AssertionError("no key " + id + " in " + r.body());
    }
}

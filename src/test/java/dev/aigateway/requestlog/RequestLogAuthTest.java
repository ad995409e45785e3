package dev.aigateway.requestlog;

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

/** With gateway keys: records carry the key's id (never the key), the data API needs the admin key; streamed answers too. */
class RequestLogAuthTest {
    static final String ADMIN = "admin-" + UUID.randomUUID();
    static final Path DIR = dir();
    static final KeyFile.Created KEY = key();

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.auth.enabled", "true", "gateway.http.host", "127.0.0.1",
            "gateway.auth.keys-file", DIR.resolve("keys.json").toString(), "gateway.auth.admin-key-file", admin().toString()));

    static Path dir() {
        try {
            return Files.createTempDirectory("request-log-keys");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyFile.Created key() {
        try {
            return new KeyFile(DIR.resolve("keys.json")).create("team-a", List.of(), List.of(), 0, 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Path admin() {
        try {
            return Files.writeString(DIR.resolve("admin.key"), ADMIN);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort + path)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode record(String id) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("/admin/requests/" + id, ADMIN).statusCode() == 200);
        return TestGateway.json(get("/admin/requests/" + id, ADMIN));
    }

    @Test
    void aKeyedStreamedRequestIsLoggedUnderItsKeyId() {
        String id = "keyed-" + UUID.randomUUID();
        HttpResponse<String> r = gw.chat("{\"model\":\"gpt-4.1\",\"stream\":true,\"request_id\":\"" + id
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"stream it\"}]}", "Authorization", "Bearer " + KEY.secret());
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("[DONE]"), r.body());
        JsonNode rec = record(id);
        assertEquals(KEY.key().id(), rec.path("key_id").asText());
        assertEquals("openai", rec.path("provider").asText());
        assertEquals("ok", rec.path("outcome").asText());
        assertTrue(rec.path("prompt_tokens").asLong() > 0 && rec.path("completion_tokens").asLong() > 0, rec.toString());
        assertTrue(rec.path("cost_usd").asDouble() > 0);
        assertTrue(!rec.toString().contains(KEY.secret()), "never the key itself");

        JsonNode byKey = TestGateway.json(get("/admin/requests?key=" + KEY.key().id(), ADMIN));
        assertEquals(id, byKey.at("/data/0/request_id").asText());
        JsonNode usage = TestGateway.json(get("/admin/usage?minutes=5", ADMIN));
        long keyed = 0;
        for (JsonNode b : usage.path("series")) {
            keyed += b.path("by_key").path(KEY.key().id()).path("requests").asLong();
        }
        assertEquals(1, keyed, usage.toString());

        // a stranger is refused, and logged without a key
        String stranger = "stranger-" + UUID.randomUUID();
        assertEquals(401, gw.chat(TestGateway.request("who am I"), "idempotency-key", stranger).statusCode());
        // the refusal happens before the request is read: its record has an id of the gateway's own
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> TestGateway.json(get("/admin/requests?outcome=rejected",
                ADMIN)).path("data").size() >= 1);
        JsonNode refused = TestGateway.json(get("/admin/requests?outcome=rejected", ADMIN)).at("/data/0");
        assertEquals(401, refused.path("status").asInt());
        assertTrue(refused.path("key_id").isNull());
    }

    @Test
    void theDataApiNeedsTheAdminKeyWhenAuthIsOn() {
        assertEquals(401, get("/admin/requests", null).statusCode());
        assertEquals(401, get("/admin/requests", KEY.secret()).statusCode(), "a gateway key is not the admin key");
        assertEquals(401, get("/admin/usage", null).statusCode());
        assertEquals(401, get("/admin/requests/x", null).statusCode());
        assertEquals(200, get("/admin/usage", ADMIN).statusCode());
    }
}

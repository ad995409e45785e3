package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * Every part a key caused is charged to it, not only answers that complete: a stream its client left, an
 * answer cut mid-stream and continued by another provider (both parts), an answer a mid-stream failure ends
 * (midStreamFailover fail), and a chain whose every provider broke mid-answer. Checked on GET /admin/keys and
 * the per-key metrics, with real streams from the simulator; each request is charged exactly once.
 */
class KeyChargesTest {
    static final Path DIR = ApiKeysTest.tempDir();
    static final KeyFile FILE = new KeyFile(DIR.resolve("gateway-keys.json"));
    static final String ADMIN = "admin-secret-FAKE-0c1d2e3f4a5b";
    static final String PROMPT = "Explain mid-stream failover in one short paragraph please";

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(settings());

    static Map<String, String> settings() {
        try {
            Path admin = Files.writeString(DIR.resolve("admin.key"), ADMIN);
            return Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file", FILE.path().toString(),
                    "gateway.auth.admin-key-file", admin.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aStreamItsClientLeftIsCharged() throws Exception {
        Key key = Key.create(gw, "team-left");
        // a long, slow answer: 10 pieces 300 ms apart; the client reads two and leaves
        gw.sim("openai").faults(Faults.none(0).withChunkMs(300));
        Usage before = Usage.of(gw, key.id);
        HttpResponse<InputStream> stream = openStream(gw, key, false);
        BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8));
        int content = 0;
        for (String line; content < 2 && (line = reader.readLine()) != null;) {
            content += line.contains("\"content\":\"") && !line.contains("\"content\":\"\"") ? 1 : 0;
        }
        assertEquals(2, content, "two content chunks read before leaving");
        stream.body().close();

        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Usage.of(gw, key.id).requests == before.requests + 1);
        Usage after = Usage.of(gw, key.id);
        assertTrue(after.costUsd > before.costUsd, "the part the client left is billed: " + after + " vs " + before);
        assertTrue(after.completionTokens - before.completionTokens >= 2, "at least the chunks sent: " + after);
        assertTrue(after.promptTokens > before.promptTokens, after.toString());
        assertEquals(before.estimated + 1, after.estimated, "a stream cut before its usage chunk is estimated");
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls(), "nobody takes over for a client that left");
        String metrics = gw.management("/observe/metrics").body();
        assertEquals(1.0, metric(metrics, "gateway_key_requests_total", key.id, "outcome=\"client_closed\""), 0.0);
        assertEquals(after.costUsd, metric(metrics, "gateway_key_cost_usd_total", key.id, null), 1e-12);
        assertEquals(after.completionTokens, metric(metrics, "gateway_key_tokens_total", key.id, "direction=\"out\""), 0.0);
        // once, not again by the error path: the stream's end could not be written to the gone client
        Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1))
                .until(() -> Usage.of(gw, key.id).requests == before.requests + 1);
    }

    @Test
    void anAnswerContinuedByAnotherProviderIsChargedForBothParts() throws Exception {
        Key key = Key.create(gw, "team-continued");
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(3).withChunkMs(0));
        Usage before = Usage.of(gw, key.id);
        HttpResponse<String> r = gw.chat(streamRequest(false).replace("\"stream\":true", "\"stream\":false"),
                "Authorization", "Bearer " + key.secret);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode parts = TestGateway.json(r).at("/gateway/parts");
        assertEquals(2, parts.size(), r.body());
        assertEquals("openai", parts.get(0).path("provider").asText());
        assertEquals("stream_cut", parts.get(0).path("outcome").asText());
        assertEquals("anthropic", parts.get(1).path("provider").asText());
        double cut = parts.get(0).path("cost_usd").asDouble();
        double rest = parts.get(1).path("cost_usd").asDouble();
        assertTrue(cut > 0 && rest > 0, parts.toString());

        Usage after = Usage.of(gw, key.id);
        assertEquals(before.requests + 1, after.requests);
        assertEquals(cut + rest, after.costUsd - before.costUsd, 1e-12, "both parts: " + parts);
        assertEquals(parts.get(0).path("completion_tokens").asLong() + parts.get(1).path("completion_tokens").asLong(),
                after.completionTokens - before.completionTokens);
        assertEquals(parts.get(0).path("prompt_tokens").asLong() + parts.get(1).path("prompt_tokens").asLong(),
                after.promptTokens - before.promptTokens);
    }

    @Test
    void aChainWhoseEveryProviderBrokeMidAnswerIsChargedForEveryPart() throws Exception {
        Key key = Key.create(gw, "team-all-broke");
        for (String p : List.of("openai", "anthropic", "deepseek")) {
            gw.sim(p).faults(Faults.of("cut").withAfterChunks(2).withChunkMs(0));
        }
        Usage before = Usage.of(gw, key.id);
        HttpResponse<String> r = gw.chat(streamRequest(false).replace("\"stream\":true", "\"stream\":false"),
                "Authorization", "Bearer " + key.secret);
        assertEquals(503, r.statusCode(), r.body());
        Usage after = Usage.of(gw, key.id);
        assertEquals(before.requests + 1, after.requests);
        // each provider sent 2 content chunks before its cut: more than 4 tokens means all three parts were charged
        assertTrue(after.completionTokens - before.completionTokens > 4, "every part: " + after + " vs " + before);
        assertTrue(after.costUsd > before.costUsd);
        assertEquals(before.estimated + 1, after.estimated);
        assertEquals(1.0, metric(gw.management("/observe/metrics").body(), "gateway_key_requests_total", key.id,
                "outcome=\"failed\""), 0.0);
    }

    @Test
    void anAnswerEndedByAMidStreamFailureIsCharged() throws Exception {
        Map<String, String> settings = new HashMap<>(settings());
        settings.put("stream.mid-stream-failover", "fail");
        try (TestGateway failing = TestGateway.start(settings)) {
            Key key = Key.create(failing, "team-fail");
            failing.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
            Usage before = Usage.of(failing, key.id);
            HttpResponse<String> r = failing.client().send(streamHttp(failing, key), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertTrue(r.body().contains("\"mid_stream_failed\""), r.body());
            assertEquals(0, failing.sim("anthropic").calls());
            Usage after = Usage.of(failing, key.id);
            assertEquals(before.requests + 1, after.requests);
            assertEquals(5, after.completionTokens - before.completionTokens, "the 5 chunks the client got: " + after);
            assertTrue(after.costUsd > before.costUsd, after + " vs " + before);
            assertEquals(1.0, metric(failing.management("/observe/metrics").body(), "gateway_key_requests_total", key.id,
                    "outcome=\"mid_stream_failed\""), 0.0);
        }
    }

    static String streamRequest(boolean usage) {
        return "{\"model\":\"gpt-4.1\",\"stream\":true" + (usage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + PROMPT + "\"}]}";
    }

    static HttpRequest streamHttp(TestGateway g, Key key) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + key.secret)
                .POST(HttpRequest.BodyPublishers.ofString(streamRequest(false))).build();
    }

    static HttpResponse<InputStream> openStream(TestGateway g, Key key, boolean usage) throws Exception {
        return g.client().send(streamHttp(g, key), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A metric's value for a key, from the Prometheus page (labels sorted: direction/key/outcome). */
    static double metric(String page, String name, String keyId, String otherLabel) {
        for (String line : page.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("key=\"" + keyId + "\"")
                    && (otherLabel == null || line.contains(otherLabel))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " for " + keyId + " " + otherLabel + " in the metrics");
    }

    record Key(String id, String secret) {
        /** A new key without limits, accepted by the gateway (the probe that checks it is charged too). */
        static Key create(TestGateway g, String owner) throws Exception {
            KeyFile.Created created = FILE.create(owner, List.of(), List.of(), 0, 0);
            Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> g.chat(TestGateway.request("probe"),
                    "Authorization", "Bearer " + created.secret()).statusCode() == 200);
            g.reset();
            return new Key(created.key().id(), created.secret());
        }
    }

    /** One key's usage as GET /admin/keys shows it. */
    record Usage(long requests, long promptTokens, long completionTokens, long estimated, double costUsd) {
        static Usage of(TestGateway g, String id) throws Exception {
            HttpResponse<String> r = g.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.adminPort
                    + "/admin/keys")).header("Authorization", "Bearer " + ADMIN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            for (JsonNode k : TestGateway.json(r).path("keys")) {
                if (k.path("id").asText().equals(id)) {
                    JsonNode u = k.path("usage");
                    assertNotNull(u);
                    return new Usage(u.path("requests").asLong(), u.path("prompt_tokens").asLong(),
                            u.path("completion_tokens").asLong(), u.path("estimated_requests").asLong(),
                            u.path("cost_usd").asDouble());
                }
            }
            throw new AssertionError("no key " + id + " in " + r.body());
        }
    }
}

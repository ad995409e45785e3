package dev.aigateway.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import dev.aigateway.auth.KeyFile;

/**
 * Gateway keys on POST /v1/embeddings as on chat: a key's chains and models scope it, its usage is charged, and a
 * request_id answered once is replayed without a second provider call.
 */
class EmbeddingsKeysTest {
    static final Path DIR = tempDir();
    static final KeyFile FILE = new KeyFile(DIR.resolve("gateway-keys.json"));
    static final String ADMIN = "admin-secret-FAKE-e1b2c3d4";

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.auth.enabled", "true",
            "gateway.auth.keys-file", FILE.path().toString(), "gateway.auth.admin-key-file", admin().toString()));

    @Test
    void keysScopeChargeAndReplayEmbeddings() throws Exception {
        String chatOnly = key("chat-only", List.of("default"), List.of());
        HttpResponse<String> forbidden = embed(chatOnly, "{\"model\":\"embeddings\",\"input\":\"x\"}");
        assertEquals(403, forbidden.statusCode(), forbidden.body());
        assertEquals("chain_not_allowed", TestGateway.json(forbidden).at("/error/code").asText());

        String gptOnly = key("gpt-only", List.of(), List.of("gpt-4.1"));
        HttpResponse<String> noModel = embed(gptOnly, "{\"model\":\"embeddings\",\"input\":\"x\"}");
        assertEquals(503, noModel.statusCode(), noModel.body());
        assertEquals("model_not_allowed", TestGateway.json(noModel).at("/error/providers_tried/0/outcome").asText(),
                noModel.body());
        assertEquals(0, gw.sim("openai").calls() + gw.sim("holysheep").calls(), "no provider called for a key's refusal");

        String team = key("team", List.of(), List.of());
        String request = "{\"model\":\"embeddings\",\"input\":[\"a\",\"b\"],\"request_id\":\"emb-idem-1\"}";
        HttpResponse<String> first = embed(team, request);
        assertEquals(200, first.statusCode(), first.body());
        long tokens = gw.sim("openai").lastUsage().prompt();
        JsonNode usage = usage("team");
        assertEquals(1, usage.path("requests").asLong());
        assertEquals(tokens, usage.path("prompt_tokens").asLong());
        assertEquals(tokens * 0.02 / 1_000_000, usage.path("cost_usd").asDouble(), 1e-15);

        HttpResponse<String> again = embed(team, request);
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("true", again.headers().firstValue("x-gateway-replayed").orElse(null));
        assertEquals(TestGateway.json(first).path("data"), TestGateway.json(again).path("data"));
        assertEquals(1, gw.sim("openai").calls(), "the replay called no provider");
        // the same id on chat is another request: never the stored vectors
        HttpResponse<String> chat = gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"emb-idem-1\",\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"hi\"}]}", "Authorization", "Bearer " + team);
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals("chat.completion", TestGateway.json(chat).path("object").asText());
    }

    static HttpResponse<String> embed(String key, String json) {
        return gw.post("/v1/embeddings", "application/json", json, "Authorization", "Bearer " + key);
    }

    static String key(String owner, List<String> chains, List<String> models) throws Exception {
        String secret = FILE.create(owner, chains, models, 0, 0).secret();
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> !"invalid_api_key".equals(TestGateway.json(
                embed(secret, "{}")).at("/error/code").asText()));
        return secret;
    }

    static JsonNode usage(String owner) throws Exception {
        HttpResponse<String> r = gw.admin("/admin/keys", "Authorization", "Bearer " + ADMIN);
        for (JsonNode k : TestGateway.json(r).path("keys")) {
            if (owner.equals(k.path("owner").asText())) {
                return k.path("usage");
            }
        }
        throw new AssertionError("no key of " + owner + ": " + r.body());
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("keys");
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
}

package dev.aigateway.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;

/** With gateway.auth.enabled, /v1/messages takes the gateway key where the Anthropic SDKs put theirs: x-api-key. */
class MessagesAuthTest {
    static final Path DIR = tempDir();
    static final KeyFile FILE = new KeyFile(DIR.resolve("gateway-keys.json"));

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.auth.enabled", "true",
            "gateway.auth.keys-file", FILE.path().toString()));

    static final String BODY = "{\"model\":\"gpt-4.1\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static Path tempDir() {
        try {
            return Files.createTempDirectory("keys");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int status(String path, String... headers) {
        return gw.post(path, "application/json", path.endsWith("messages") ? BODY : TestGateway.request("hi"), headers).statusCode();
    }

    @Test
    void xApiKeyCarriesTheGatewayKeyOnMessagesOnly() throws Exception {
        String secret = FILE.create("anthropic-team", List.of(), List.of(), 0, 0).secret();
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> status("/v1/messages", "x-api-key", secret) == 200);

        var missing = gw.post("/v1/messages", "application/json", BODY, "anthropic-version", "2023-06-01");
        assertEquals(401, missing.statusCode());
        assertEquals("authentication_error", TestGateway.json(missing).at("/error/type").asText(), missing.body());
        assertEquals("missing_api_key", TestGateway.json(missing).at("/error/code").asText());
        var wrong = gw.post("/v1/messages", "application/json", BODY, "x-api-key", "sk-gw-not-a-real-key-FAKE-0000");
        assertEquals(401, wrong.statusCode());
        assertEquals("invalid_api_key", TestGateway.json(wrong).at("/error/code").asText());
        assertEquals(200, status("/v1/messages", "Authorization", "Bearer " + secret), "a Bearer works too");
        // chat completions keeps its one way: Authorization: Bearer
        assertEquals(401, status("/v1/chat/completions", "x-api-key", secret));
        assertEquals(2, gw.sim("openai").calls(), "only the two accepted requests reached a provider");
    }
}

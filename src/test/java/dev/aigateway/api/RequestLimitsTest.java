package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;
import dev.aigateway.provider.AnthropicAdapter;
import dev.aigateway.provider.AzureOpenAiAdapter;
import dev.aigateway.provider.OpenAiCompatibleAdapter;

/**
 * gateway.max-tokens-limit / gateway.max-n and a key's own max_tokens_limit / max_n against a real upstream:
 * above a limit is a 400 naming the field with no provider call, at the limit the provider gets the request.
 * And what of a body each provider API is sent.
 */
class RequestLimitsTest {
    static final KeyFile FILE = new KeyFile(tempDir().resolve("gateway-keys.json"));

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.max-tokens-limit", "1000", "gateway.max-n", "3",
            "gateway.auth.enabled", "true", "gateway.auth.keys-file", FILE.path().toString()));

    static Path tempDir() {
        try {
            return Files.createTempDirectory("limits");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key of the file, once the gateway has read it. */
    static String key(String owner, int maxTokensLimit, int maxN) throws Exception {
        String secret = FILE.create(owner, List.of(), List.of(), 0, 0, maxTokensLimit, maxN).secret();
        Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> gw.chat("{}", "Authorization", "Bearer " + secret)
                .statusCode() != 401);
        gw.reset();
        return secret;
    }

    static String body(String extra) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"limits\"}]," + extra + "}";
    }

    HttpResponse<String> chat(String secret, String extra) {
        return gw.chat(body(extra), "Authorization", "Bearer " + secret);
    }

    static void assertTooLarge(HttpResponse<String> r, String field, String source) {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("integer_above_max_value", error.path("code").asText(), r.body());
        assertEquals(field, error.path("param").asText());
        assertTrue(error.path("message").asText().contains(source), r.body());
    }

    @Test
    void theGatewayLimitsRefuseAboveAndServeAtTheLimit() throws Exception {
        String secret = key("no-own-limits", 0, 0);
        assertTooLarge(chat(secret, "\"max_tokens\":1001"), "max_tokens", "gateway.max-tokens-limit");
        assertTooLarge(chat(secret, "\"max_completion_tokens\":1001"), "max_completion_tokens", "gateway.max-tokens-limit");
        assertTooLarge(chat(secret, "\"n\":4"), "n", "gateway.max-n");
        assertEquals(0, gw.sim("openai").calls(), "a refused request costs no provider call");

        HttpResponse<String> atLimit = chat(secret, "\"max_tokens\":1000,\"n\":3");
        assertEquals(200, atLimit.statusCode(), atLimit.body());
        assertEquals(1000, gw.sim("openai").lastRequest().path("max_tokens").asInt());
        assertEquals(3, gw.sim("openai").lastRequest().path("n").asInt());
        assertEquals(200, chat(secret, "\"max_completion_tokens\":1000").statusCode());
    }

    @Test
    void aKeysOwnLimitsLowerTheGatewaysForThatKeyOnly() throws Exception {
        String small = key("small", 100, 1);
        String other = key("other", 0, 0);
        assertTooLarge(chat(small, "\"max_tokens\":101"), "max_tokens", "this API key's limit");
        assertTooLarge(chat(small, "\"max_completion_tokens\":101"), "max_completion_tokens", "this API key's limit");
        assertTooLarge(chat(small, "\"n\":2"), "n", "this API key's limit");
        assertEquals(0, gw.sim("openai").calls());

        assertEquals(200, chat(small, "\"max_tokens\":100,\"n\":1").statusCode());
        assertEquals(100, gw.sim("openai").lastRequest().path("max_tokens").asInt());
        assertEquals(200, chat(other, "\"max_tokens\":1000,\"n\":3").statusCode(), "another key keeps the gateway's limits");
        // a key's limit above the gateway's does not raise it
        String big = key("big", 5000, 10);
        assertTooLarge(chat(big, "\"max_tokens\":1001"), "max_tokens", "gateway.max-tokens-limit");
    }

    @Test
    void unknownAndPricedFieldsAreRefusedWhatTheSdksSendIsForwarded() throws Exception {
        String secret = key("fields", 0, 0);
        HttpResponse<String> unknown = chat(secret, "\"temperature\":0.5,\"frobnicate\":1");
        assertEquals(400, unknown.statusCode());
        assertEquals("unsupported_parameter", TestGateway.json(unknown).at("/error/code").asText());
        assertEquals("frobnicate", TestGateway.json(unknown).at("/error/param").asText());
        HttpResponse<String> priority = chat(secret, "\"service_tier\":\"priority\"");
        assertEquals("service_tier", TestGateway.json(priority).at("/error/param").asText());
        assertTrue(TestGateway.json(priority).at("/error/message").asText().contains("price"), priority.body());
        assertEquals(0, gw.sim("openai").calls());

        // what the official SDKs send reaches an OpenAI-compatible upstream as sent
        HttpResponse<String> ok = chat(secret, "\"seed\":7,\"user\":\"u1\",\"logit_bias\":{\"50256\":-100},"
                + "\"response_format\":{\"type\":\"text\"},\"metadata\":{\"team\":\"a\"},\"store\":false,"
                + "\"reasoning_effort\":\"low\",\"service_tier\":\"auto\",\"parallel_tool_calls\":true,\"top_logprobs\":2,"
                + "\"logprobs\":true,\"modalities\":[\"text\"]");
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode seen = gw.sim("openai").lastRequest();
        for (String f : new String[] { "seed", "user", "logit_bias", "response_format", "metadata", "store",
                "reasoning_effort", "service_tier", "parallel_tool_calls", "top_logprobs", "logprobs", "modalities" }) {
            assertTrue(seen.has(f), f + " reaches the upstream: " + seen);
        }
        assertEquals(7, seen.path("seed").asInt());
    }

    @Test
    void eachProviderApiIsSentOnlyItsOwnFields() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree(body("\"seed\":7,\"store\":true,\"metadata\":{\"a\":\"b\"},"
                + "\"temperature\":0.5,\"max_tokens\":50,\"n\":2"));
        body.put("not_a_field", 1); // as if a parser let it through: the adapter still does not send it
        ChatRequest request = new ChatRequest(body, "default", "r1", null);
        var settings = new dev.aigateway.provider.ProviderSettings("p", "openai", "http://x", "p-model", 1024, 1, 1,
                30_000, null, null, null, new dev.aigateway.provider.ProviderSettings.BreakerSettings(50, 10, 5, 1000, 2), false);
        JsonNode openai = Json.MAPPER.readTree(new OpenAiCompatibleAdapter().buildRequest(request, settings, false));
        JsonNode azure = Json.MAPPER.readTree(new AzureOpenAiAdapter().buildRequest(request, settings, false));
        JsonNode anthropic = Json.MAPPER.readTree(new AnthropicAdapter().buildRequest(request, settings, false));
        assertTrue(openai.has("store") && openai.has("metadata") && openai.has("seed") && openai.has("n"), openai.toString());
        assertFalse(openai.has("not_a_field"));
        assertTrue(azure.has("seed") && azure.has("n"), azure.toString());
        assertFalse(azure.has("store") || azure.has("metadata") || azure.has("not_a_field"), "API 2024-10-21 has no store/metadata: " + azure);
        for (var it = anthropic.fieldNames(); it.hasNext();) {
            String f = it.next();
            assertTrue(AnthropicAdapter.FORWARDED_FIELDS.contains(f) || f.equals("model") || f.equals("system"),
                    "anthropic is sent only what it translates: " + f);
        }
        assertNull(anthropic.get("seed"));
    }
}

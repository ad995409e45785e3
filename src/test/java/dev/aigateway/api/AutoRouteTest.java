package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.auth.KeyFile;

/**
 * {@code model: auto}: short text to the budget chain, tools, images and long prompts (counted by the tokenizer)
 * to the premium chain, and a key past gateway.auth.budget-step-down to the budget chain; x-gateway-route says why.
 */
class AutoRouteTest {
    static final KeyFile FILE = new KeyFile(tempDir().resolve("gateway-keys.json"));
    static final String SECRET = create("team-auto", 0);

    // a step-down of 0.5 makes "exactly at the threshold" exact in binary: half of a budget of 2c is c
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.auth.enabled", "true",
            "gateway.auth.keys-file", FILE.path().toString(), "gateway.auth.budget-step-down", "0.5"));

    @Test
    void aShortTextPromptGoesToTheBudgetChain() {
        HttpResponse<String> r = auto(SECRET, user("What is 2+2?"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=budget; auto:short", r.headers().firstValue("x-gateway-route").orElseThrow());
        assertEquals("auto:short", TestGateway.json(r).at("/gateway/route").asText());
        assertEquals(0, gw.sim("openai").calls() + gw.sim("anthropic").calls());
    }

    @Test
    void theTokenizerNotTheCharacterCountDecidesALongPrompt() {
        // " x" is one o200k token per 2 characters: chars/4 says 2500 tokens (short), the tokenizer 5000 (long)
        String dense = " x".repeat(5000);
        assertTrue(dense.length() / 4 <= 4000 && tokens(dense) > 4000, "precondition: " + tokens(dense));
        HttpResponse<String> r = auto(SECRET, user(dense));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=premium; auto:tokens>4000", r.headers().firstValue("x-gateway-route").orElseThrow());

        // a long word is few tokens: chars/4 says 5250 tokens (long), the tokenizer far fewer (short)
        String sparse = " internationalization".repeat(1000);
        assertTrue(sparse.length() / 4 > 4000 && tokens(sparse) <= 4000, "precondition: " + tokens(sparse));
        HttpResponse<String> s = auto(SECRET, user(sparse));
        assertEquals(200, s.statusCode(), s.body());
        assertEquals("deepseek", s.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=budget; auto:short", s.headers().firstValue("x-gateway-route").orElseThrow());
    }

    @Test
    void toolsGoToThePremiumChain() {
        HttpResponse<String> r = auto(SECRET, user("Weather in Paris?") + ",\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"weather\",\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=premium; auto:tools", r.headers().firstValue("x-gateway-route").orElseThrow());
    }

    @Test
    void anImagePartGoesToThePremiumChain() {
        HttpResponse<String> r = auto(SECRET, "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.invalid/cat.png\"}}]}]");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=premium; auto:images", r.headers().firstValue("x-gateway-route").orElseThrow());
    }

    @Test
    void aKeyAtTheStepDownShareOfItsBudgetGetsTheBudgetChainJustBelowItThePremium() {
        String shortPrompt = user("Spend a little");
        // what one short auto request costs (the same request, the same provider, the same price)
        HttpResponse<String> first = auto(SECRET, shortPrompt);
        assertEquals("deepseek", first.headers().firstValue("x-gateway-provider").orElseThrow(), first.body());
        double c = TestGateway.json(first).at("/gateway/cost_usd").asDouble();
        assertTrue(c > 0, first.body());
        String longPrompt = user(" x".repeat(5000));

        String below = create("team-below", 2 * c * (1 + 1e-9)); // after one request: just below half its budget
        assertEquals(c, TestGateway.json(auto(below, shortPrompt)).at("/gateway/cost_usd").asDouble());
        HttpResponse<String> premium = auto(below, longPrompt);
        assertEquals(200, premium.statusCode(), premium.body());
        assertEquals("chain=premium; auto:tokens>4000", premium.headers().firstValue("x-gateway-route").orElseThrow());
        assertEquals("openai", premium.headers().firstValue("x-gateway-provider").orElseThrow());

        String at = create("team-at", 2 * c); // after one request: exactly half its budget
        assertEquals(c, TestGateway.json(auto(at, shortPrompt)).at("/gateway/cost_usd").asDouble());
        HttpResponse<String> stepped = auto(at, longPrompt);
        assertEquals(200, stepped.statusCode(), stepped.body());
        assertEquals("chain=budget; budget-step-down", stepped.headers().firstValue("x-gateway-route").orElseThrow());
        assertEquals("deepseek", stepped.headers().firstValue("x-gateway-provider").orElseThrow());
        // a model named outright is not stepped down
        HttpResponse<String> named = gw.chat("{\"model\":\"premium\"," + longPrompt + "}", "Authorization", "Bearer " + at);
        assertEquals("chain=premium; model=premium", named.headers().firstValue("x-gateway-route").orElseThrow());
    }

    private static HttpResponse<String> auto(String secret, String fields) {
        return gw.chat("{\"model\":\"auto\"," + fields + "}", "Authorization", "Bearer " + secret);
    }

    private static String user(String text) {
        return "\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]";
    }

    private static int tokens(String text) {
        ObjectNode body = Json.object();
        body.putArray("messages").addObject().put("role", "user").put("content", text);
        return PromptTokens.count(body);
    }

    /** A key with this monthly budget (0: none), once the gateway knows it; the wait costs nothing (a 400). */
    private static String create(String owner, double budget) {
        try {
            String secret = FILE.create(owner, List.of(), List.of(), 0, budget).secret();
            if (gw != null) {
                Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.chat("{}", "Authorization", "Bearer "
                        + secret).statusCode() == 400);
            }
            return secret;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("auto-keys");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * A prompt already known to exceed a step's context window (counted with the tokenizer before any call) skips
 * that step without calling it; one that fits no step is a 400 naming the largest window, with no call at all.
 */
class PromptWindowTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.context-window", "1000",
            "provider.anthropic.context-window", "5000", "provider.deepseek.context-window", "1500"));

    /** About {@code words} tokens: " hello" is one o200k_base token. */
    private static String prompt(int words) {
        return TestGateway.request(" hello".repeat(words).trim());
    }

    @Test
    void anOverLongPromptNeverCallsTheSmallWindowStepAndLandsOnTheBiggerOne() {
        HttpResponse<String> r = gw.chat(prompt(2_000));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
        JsonNode first = TestGateway.json(r).at("/gateway/attempts/0");
        assertEquals("openai", first.path("provider").asText());
        assertEquals("context_too_small", first.path("outcome").asText(), r.body());
        assertEquals(0, gw.sim("openai").calls(), "the small-window step is not called");
        assertEquals(1, gw.sim("anthropic").calls());
    }

    @Test
    void aShortPromptIsNotCountedAgainstTheWindow() {
        HttpResponse<String> r = gw.chat(prompt(10));
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow(), r.body());
    }

    @Test
    void aPromptThatFitsNoStepIsA400NamingTheLargestWindowWithoutACall() {
        HttpResponse<String> r = gw.chat(prompt(6_000));
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("context_length_exceeded", error.path("code").asText(), r.body());
        assertTrue(error.path("message").asText().contains("5000"), r.body());
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(0, gw.sim(p).calls(), p + " is not called");
        }
    }
}

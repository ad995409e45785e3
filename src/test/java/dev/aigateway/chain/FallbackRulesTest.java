package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * Fallback by error class (docs/failover.md "Fallback rules") on the default chain openai → anthropic → deepseek,
 * with small context windows (openai 8000, anthropic 4000, deepseek 16000), content-filter=fallback for
 * anthropic and deepseek only, openai falling back on everything but 401, anthropic on everything but timeouts.
 * Upstream errors are recorded provider bodies (src/test/resources/fixtures).
 */
class FallbackRulesTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of(
            "provider.openai.context-window", "8000",
            "provider.anthropic.context-window", "4000",
            "provider.deepseek.context-window", "16000",
            "provider.anthropic.content-filter", "fallback",
            "provider.deepseek.content-filter", "fallback",
            "provider.openai.fallback-on", "5xx,429,403,timeout,connection,context_window",
            "provider.anthropic.fallback-on", "5xx,4xx,connection,context_window",
            "provider.anthropic.timeout", "300ms"));

    /** Claude's refusal: a 200 whose stop_reason is "refusal". */
    private static final String CLAUDE_REFUSAL = """
            {"id":"msg_refused","type":"message","role":"assistant","model":"claude-sonnet-4-6",
             "content":[{"type":"text","text":"I can't help with that."}],"stop_reason":"refusal","stop_sequence":null,
             "usage":{"input_tokens":12,"output_tokens":6}}""";

    private static JsonNode fixture(String path) {
        try (InputStream in = FallbackRulesTest.class.getResourceAsStream("/fixtures/" + path)) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(path, e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void contextOverflowSkipsSmallerWindowsToTheBiggerOne() {
        gw.sim("openai").reply(400, fixture("openai/error-400-context-length-exceeded.json"));
        HttpResponse<String> r = gw.chat(TestGateway.request("a very long conversation"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("context_window_exceeded", body.at("/gateway/attempts/0/outcome").asText(), body.toString());
        assertEquals("anthropic", body.at("/gateway/attempts/1/provider").asText());
        assertEquals("context_too_small", body.at("/gateway/attempts/1/outcome").asText());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls(), "4000 tokens is not larger than the 8000 that overflowed");
        assertEquals(1, gw.sim("deepseek").calls());
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai").getState());
        assertEquals(0, gw.breaker("openai").getMetrics().getNumberOfFailedCalls(), "an overflow is not the provider's fault");
    }

    @Test
    void noBiggerWindowLeftGives400NamingTheLargest() {
        gw.sim("openai").reply(400, fixture("openai/error-400-context-length-exceeded.json"));
        gw.sim("deepseek").reply(400, json("""
                {"error":{"message":"This model's maximum context length is 65536 tokens. However, you requested 70000 tokens.",
                 "type":"invalid_request_error","param":null,"code":"invalid_request_error"}}"""));
        HttpResponse<String> r = gw.chat(TestGateway.request("longer still"));
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("context_length_exceeded", error.path("code").asText(), error.toString());
        assertEquals("messages", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("16000 tokens (deepseek)"), error.toString());
        assertEquals(0, gw.sim("anthropic").calls());
        assertEquals(1, gw.sim("deepseek").calls());
    }

    @Test
    void contentFilterReturnGivesTheRefusalAsSent() {
        // openai keeps gateway.content-filter=return
        gw.sim("openai").reply(400, fixture("azure-openai/error-400-content-filter.captured.json"));
        HttpResponse<String> r = gw.chat(TestGateway.request("something filtered"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("content_filter", TestGateway.json(r).at("/error/code").asText());
        assertEquals(0, gw.sim("anthropic").calls());
        assertEquals(0, gw.sim("deepseek").calls());
    }

    @Test
    void contentFilterFallbackTriesTheNextStep() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").reply(200, json(CLAUDE_REFUSAL));
        HttpResponse<String> r = gw.chat(TestGateway.request("refuse me"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("content_filter", body.at("/gateway/attempts/1/outcome").asText(), body.toString());
        assertEquals(1, gw.sim("anthropic").calls());
        assertEquals(1, gw.sim("deepseek").calls());
    }

    @Test
    void everyStepRefusingGivesTheLastRefusalNot503() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").reply(200, json(CLAUDE_REFUSAL));
        gw.sim("deepseek").reply(400, fixture("azure-openai/error-400-content-filter.captured.json"));
        HttpResponse<String> r = gw.chat(TestGateway.request("refuse me everywhere"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("content_filter", TestGateway.json(r).at("/error/code").asText(), r.body());
        assertEquals(1, gw.sim("deepseek").calls());
    }

    @Test
    void lastRefusalMayBeAWholeAnswer() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").reply(200, json(CLAUDE_REFUSAL));
        gw.sim("deepseek").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> r = gw.chat(TestGateway.request("refused then down"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("content_filter", body.at("/choices/0/finish_reason").asText(), body.toString());
        assertEquals("I can't help with that.", body.at("/choices/0/message/content").asText());
    }

    @Test
    void statusLeftOutOfFallbackOnGoesToTheClient() {
        gw.sim("openai").faults(Faults.of("error").withStatus(401));
        HttpResponse<String> r = gw.chat(TestGateway.request("bad key"));
        assertEquals(401, r.statusCode(), r.body());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls(), "401 is not in provider.openai.fallback-on");
        assertEquals(0, gw.sim("deepseek").calls());
    }

    @Test
    void timeoutLeftOutOfFallbackOnStopsTheChain() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").faults(Faults.none(3_000)); // provider.anthropic.timeout is 300 ms here
        HttpResponse<String> r = gw.chat(TestGateway.request("slow"));
        assertEquals(504, r.statusCode(), r.body());
        assertEquals("timeout", TestGateway.json(r).at("/error/code").asText(), r.body());
        assertEquals(0, gw.sim("deepseek").calls(), "timeout is not in provider.anthropic.fallback-on");
    }
}

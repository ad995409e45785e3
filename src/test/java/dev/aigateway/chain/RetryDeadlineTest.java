package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * Issue 12 item 5: retries on the same deployment before its breaker falls back (openai: 2 retries, 150ms
 * backoff; the others: gateway.retries = 0), and the request deadline (x-gateway-timeout-ms, 504).
 */
class RetryDeadlineTest {
    static final long BACKOFF_MS = 150;

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.retries", "2",
            "provider.openai.retry-backoff", BACKOFF_MS + "ms", "stream.first-token-timeout", "2s"));

    @Test
    void twoServerErrorsThenAnAnswerAreRetriedOnTheSameDeploymentAndCountedOnceByItsBreaker() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500), 2);
        HttpResponse<String> r = gw.chat(TestGateway.request("retry me"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(3, gw.sim("openai").calls(), "two 500s, then the answer");
        assertEquals(0, gw.sim("anthropic").calls(), "no fallback");
        CircuitBreaker breaker = gw.breaker("openai");
        assertEquals(1, breaker.getMetrics().getNumberOfBufferedCalls(), "the breaker saw one call");
        assertEquals(0, breaker.getMetrics().getNumberOfFailedCalls());
        JsonNode attempts = TestGateway.json(r).at("/gateway/attempts");
        assertEquals(3, attempts.size(), attempts.toString());
        assertEquals(500, attempts.get(0).path("status").asInt(), attempts.toString());
        assertEquals("ok", attempts.get(2).path("outcome").asText(), attempts.toString());
    }

    @Test
    void theBackoffDoublesAndAFailedSeriesFallsBackAsOneBreakerFailure() {
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> r = gw.chat(TestGateway.request("retry and fall back"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
        List<Long> at = gw.sim("openai").callNanos();
        assertEquals(3, at.size(), "one call and two retries");
        long first = (at.get(1) - at.get(0)) / 1_000_000;
        long second = (at.get(2) - at.get(1)) / 1_000_000;
        assertTrue(first >= BACKOFF_MS, "first pause " + first + " ms");
        assertTrue(second >= 2 * BACKOFF_MS, "second pause " + second + " ms (doubled)");
        CircuitBreaker breaker = gw.breaker("openai");
        assertEquals(1, breaker.getMetrics().getNumberOfBufferedCalls());
        assertEquals(1, breaker.getMetrics().getNumberOfFailedCalls());
    }

    @Test
    void clientErrorsAndRateLimitsAreNotRetried() {
        gw.sim("openai").faults(Faults.of("rate-limit"));
        HttpResponse<String> r = gw.chat(TestGateway.request("no retry on 429"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(1, gw.sim("openai").calls());
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(401));
        r = gw.chat(TestGateway.request("no retry on 401"));
        assertEquals(1, gw.sim("openai").calls(), r.body());
    }

    @Test
    void withoutRetriesADeploymentFallsBackAfterOneCall() {
        gw.sim("anthropic").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> r = gw.chat(TestGateway.request("claude first"), "x-gateway-chain", "claude");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(1, gw.sim("anthropic").calls(), "gateway.retries = 0: no retry");
    }

    @Test
    void aStreamWhoseContentReachedTheClientIsNotRetried() {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(2));
        HttpResponse<String> r = gw.chat("{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"stream then break\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("[DONE]"), r.body());
        assertEquals(1, gw.sim("openai").calls(), "the cut stream continues on the chain, never again on openai");
        assertEquals(1, gw.sim("anthropic").calls());
    }

    @Test
    void theDeadlinePassingEndsTheRequestWith504AndNoFurtherCall() {
        gw.sim("openai").faults(Faults.none(1000));
        long start = System.nanoTime();
        HttpResponse<String> r = gw.chat(TestGateway.request("too slow"), "x-gateway-timeout-ms", "300");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("deadline_exceeded", error.path("code").asText(), r.body());
        assertEquals("openai", error.at("/providers_tried/0/provider").asText(), r.body());
        assertEquals("timeout", error.at("/providers_tried/0/outcome").asText(), r.body());
        assertEquals(1, error.path("providers_tried").size(), r.body());
        assertEquals(1, gw.sim("openai").calls(), "a timeout past the deadline is not retried");
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("deepseek").calls(), "no call after the deadline");
        assertTrue(tookMs >= 290 && tookMs < 900, "answered at the deadline, not after the slow call: " + tookMs + " ms");
    }

    @Test
    void aStreamStillRunningAtTheDeadlineIsEndedThereAndNothingElseIsCalled() {
        // every piece 250 ms apart: never idle long enough for stream.idle-timeout, but far past the deadline
        gw.sim("openai").faults(Faults.none(0).withChunkMs(250));
        long start = System.nanoTime();
        HttpResponse<String> r = gw.chat("{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"a long story, slowly\"}]}", "x-gateway-timeout-ms", "600");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("DEADLINE-STREAM " + r.statusCode() + " " + tookMs + " ms: " + r.body());
        assertEquals(200, r.statusCode(), "the stream had started: " + r.body());
        assertTrue(r.body().contains("deadline_exceeded"), r.body());
        assertTrue(tookMs < 1500, "ended at the deadline, not when the provider finished: " + tookMs + " ms");
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("deepseek").calls(), "no continuation past the deadline");
    }

    @Test
    void aStreamWithoutItsFirstTokenAtTheDeadlineGets504() {
        gw.sim("openai").faults(Faults.none(1500)); // headers at once, first token after 1.5 s
        HttpResponse<String> r = gw.chat("{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"late first token\"}]}", "x-gateway-timeout-ms", "400");
        System.out.println("DEADLINE-FIRST " + r.statusCode() + ": " + r.body());
        assertTrue(r.body().contains("deadline_exceeded"), r.body());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("deepseek").calls(), "no call after the deadline");
    }

    @Test
    void anInvalidTimeoutHeaderIsRefusedNamingIt() {
        for (String bad : new String[] { "soon", "0", "-5", "1.5" }) {
            HttpResponse<String> r = gw.chat(TestGateway.request("bad header"), "x-gateway-timeout-ms", bad);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("x-gateway-timeout-ms", TestGateway.json(r).at("/error/param").asText(), r.body());
        }
        assertEquals(0, gw.sim("openai").calls());
    }
}

package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * LLM calls take seconds: 2,000 requests against a slow upstream must all be in flight at the same time
 * (the upstream holds them together), not queued behind a thread pool. The upstream takes 8 s so that
 * the in-process client has time to open its 2,000 connections; throughput is measured in bench/.
 */
class ConcurrencyTest {
    static final int REQUESTS = 2_000;
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.timeout", "30000"));

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21, disabledReason = "on JDK 17 the platform worker pool ramps up too slowly; "
            + "run on JDK 21+ (virtual threads), as .ci/run does")
    void twoThousandSlowCallsAreHeldAtOnce() throws Exception {
        gw.sim("openai").faults(Faults.none(8_000));
        // HTTP/1.1: one connection per call, as most SDK clients do (h2c would multiplex, up to 100 streams each)
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            calls.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("n" + i))).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> r = calls.get(i).get();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow(), r.body());
            assertTrue(r.body().contains("answering: n" + i + "\""), "each caller gets its own answer");
        }
        assertEquals(REQUESTS, gw.sim("openai").calls(), "no retries, no fallbacks");
        assertEquals(REQUESTS, gw.sim("openai").maxInFlight(), "all requests were held by the upstream at once");
    }
}

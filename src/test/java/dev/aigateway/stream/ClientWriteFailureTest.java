package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.chain.Breakers;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.simulator.Faults;

/**
 * A failure writing to the streaming client is the client's, never its provider's: the answer is abandoned
 * (nobody takes over, nothing counts against a breaker).
 */
class ClientWriteFailureTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    @Test
    void clientsThatLeaveMidStreamNeverOpenTheProvidersBreaker() throws Exception {
        // a long answer in quick pieces (about 2,000 words, 1 ms apart): the gateway's next write after the client
        // hangs up (it reads one piece) fails, usually before the watchdog's 20 ms round notices the client left
        gw.sim("openai").faults(Faults.none(0).withChunkMs(1));
        String longPrompt = "word ".repeat(2_000).trim();
        for (int i = 0; i < 10; i++) {
            try (SseClientSupport sse = SseClientSupport.open(gw, StreamingTest.streamRequest(longPrompt, false))) {
                assertNotNull(sse.nextContent());
            }
            Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> gw.sim("openai").inFlight() == 0);
        }
        assertEquals(10, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("deepseek").calls(), "nobody takes over for a client that left");
        CircuitBreaker breaker = gw.breaker("openai");
        assertEquals(CircuitBreaker.State.CLOSED, breaker.getState());
        assertEquals(0, breaker.getMetrics().getNumberOfFailedCalls(), "a client that left is no failure of openai's");
        gw.sim("openai").faults(Faults.none(0));
        assertEquals("openai", gw.chat(TestGateway.request("still first")).headers().firstValue("x-gateway-provider").orElse(null));
    }

    /** Vert.x refuses a header value (what a request id with a DEL did): abandoned, and the breaker ignores it. */
    @Test
    void aWriteVertxRefusesAbandonsTheAnswerWithoutBlamingTheProvider() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            CompletableFuture<String> outcome = new CompletableFuture<>();
            AnswerStreams config = new AnswerStreams(1000, 1000, "continue", "go on", false,
                    new GatewayMetrics(new SimpleMeterRegistry()));
            HttpServer server = vertx.createHttpServer().requestHandler(req -> {
                AnswerStream answer = new AnswerStream(new SseClient(req.response(), ChatChunkSse.INSTANCE, "bad\u007fid", "default", "", 1000), config);
                AnswerStream.Part part = answer.begin(settings(), 10);
                try {
                    answer.content(part, dev.aigateway.api.Json.object().put("id", "c1"), "Hello", false);
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
                outcome.complete(answer.abandonedOutcome());
            }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> call = http.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());

            Throwable t = thrown.get(5, TimeUnit.SECONDS);
            assertTrue(t instanceof StreamAbandonedException, "abandoned, not a provider failure: " + t);
            assertEquals("client_closed", outcome.get(5, TimeUnit.SECONDS));
            // the client gets no half-written stream: its connection is dropped
            assertThrows(Exception.class, () -> call.get(5, TimeUnit.SECONDS));

            CircuitBreaker breaker = new Breakers(new GatewayMetrics(new SimpleMeterRegistry())).create(settings());
            breaker.onError(5, TimeUnit.MILLISECONDS, t);
            assertEquals(0, breaker.getMetrics().getNumberOfFailedCalls(), "the breakers ignore it");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    private static ProviderSettings settings() {
        return new ProviderSettings("p", "openai", "http://x", "p-model", 1024, 1, 1, 30_000, null, null, null,
                new ProviderSettings.BreakerSettings(50, 4, 4, 1000, 2), false);
    }
}

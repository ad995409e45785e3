package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * The server's own limits, on every JDK: at most gateway.http.max-in-flight requests at once (more get 503
 * gateway_overloaded with Retry-After, counted), and a body over gateway.max-body-bytes refused as the
 * gateway's 413 JSON by the server itself, which stops reading there.
 */
class ServerLimitsTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.http.max-in-flight", "2"));

    @Test
    void aBodyOverTheLimitIs413JsonAndReachesNoProvider() {
        String text = "x".repeat(2 * 1024 * 1024); // 2 MiB against gateway.max-body-bytes = 1 MiB
        HttpResponse<String> r = gw.chat(TestGateway.request(text));
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"), r.headers().toString());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("request_too_large", error.path("code").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText());
        // refused by the server at the limit (not read whole and then checked by the route)
        assertTrue(error.path("message").asText().startsWith("Request body is larger than 1048576 bytes"), r.body());
        assertEquals(0, gw.sim("openai").calls());
        // the server is fine afterwards
        assertEquals(200, gw.chat(TestGateway.request("small")).statusCode());
    }

    @Test
    void overMaxInFlightIs503WithRetryAfterAndCounted() throws Exception {
        double before = overloadedCount();
        gw.sim("openai").faults(Faults.none(1500)); // slow upstream: two requests hold both places
        List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            slow.add(gw.client().sendAsync(chat("slow " + i), HttpResponse.BodyHandlers.ofString()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gw.sim("openai").inFlight() == 2);

        HttpResponse<String> third = gw.chat(TestGateway.request("third"));
        assertEquals(503, third.statusCode(), third.body());
        assertEquals("1", third.headers().firstValue("retry-after").orElse(null), third.headers().toString());
        assertEquals("gateway_overloaded", TestGateway.json(third).at("/error/code").asText(), third.body());
        assertEquals(2, gw.sim("openai").calls(), "the refused request called no provider");
        assertEquals(before + 1, overloadedCount());

        for (CompletableFuture<HttpResponse<String>> f : slow) {
            assertEquals(200, f.get().statusCode(), f.get().body());
        }
        // the places are given back when the answers end
        gw.sim("openai").faults(Faults.none(0));
        assertEquals(200, gw.chat(TestGateway.request("after")).statusCode());
    }

    @Test
    void aClientThatHangsUpGivesItsPlaceBack() throws Exception {
        gw.sim("openai").faults(Faults.none(1000));
        for (int i = 0; i < 2; i++) {
            HttpRequest impatient = HttpRequest.newBuilder(chat("hang up " + i).uri()).timeout(Duration.ofMillis(200))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("hang up " + i))).build();
            try {
                gw.client().send(impatient, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException expected) {
                // the client is gone; the gateway still waits for its upstream
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> metric("gateway_http_in_flight") == 0);
        gw.sim("openai").faults(Faults.none(0));
        assertEquals(200, gw.chat(TestGateway.request("after hang-ups")).statusCode());
    }

    private static HttpRequest chat(String text) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request(text))).build();
    }

    private static double overloadedCount() {
        return metric("gateway_http_overloaded_total");
    }

    private static double metric(String name) {
        for (String line : gw.management("/observe/metrics").body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}

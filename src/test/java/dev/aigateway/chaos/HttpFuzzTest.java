package dev.aigateway.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** 1,000 bad inputs on the HTTP ingress: every one a 4xx, none reaches a provider, the gateway keeps serving. */
class HttpFuzzTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    @Test
    void everyBadInputGetsA4xxAndTheGatewayKeepsServing() throws Exception {
        List<byte[]> inputs = Fuzz.inputs(42, 1_000, 10);
        Map<Integer, Integer> statuses = new TreeMap<>();
        int bad = 0;
        for (byte[] body : inputs) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> r = gw.client().send(req, HttpResponse.BodyHandlers.ofString());
            statuses.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() < 400 || r.statusCode() >= 500) {
                bad++;
                System.out.println("not refused: " + r.statusCode() + " for " + new String(body, 0, Math.min(body.length, 120)));
            }
        }
        System.out.println("CHAOS http-fuzz: sent=" + inputs.size() + " statuses=" + statuses);
        assertEquals(0, bad, "every bad input is a 4xx: " + statuses);
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(0, gw.sim(p).calls(), "no bad input reached " + p);
        }
        assertTrue(statuses.getOrDefault(413, 0) >= 10, "the oversized ones are 413: " + statuses);
        assertEquals(200, gw.chat(TestGateway.request("still serving")).statusCode());
    }

    /** Well-formed but refused: bad identifiers, limits, unknown and priced fields; each a 400 naming its field. */
    @Test
    void refusedFieldsAreA400NamingTheFieldWithoutAProviderCall() throws Exception {
        for (Map.Entry<String, byte[]> c : Fuzz.refusedWithParam().entrySet()) {
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(c.getValue())).build();
            HttpResponse<String> r = gw.client().send(req, HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), c.getKey() + ": " + r.body());
            String param = c.getKey().split(" ")[0];
            assertEquals(param, TestGateway.json(r).at("/error/param").asText(), c.getKey() + ": " + r.body());
            assertTrue(r.body().length() < 2_000, "the reply does not echo a 600 KB id: " + c.getKey());
        }
        // the chain header is held to the same rule (HttpClient itself refuses CR/LF and DEL in a header; a
        // 600 KB header is the server's 431 before the gateway sees it)
        // (on a client of its own: the server closes that connection, which must not be reused below)
        java.net.http.HttpClient own = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        HttpRequest huge = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").header("x-gateway-chain", "x".repeat(600 * 1024))
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("x"))).build();
        try {
            assertEquals(431, own.send(huge, HttpResponse.BodyHandlers.ofString()).statusCode());
        } catch (java.io.IOException closed) {
            // the server may close the connection after its 431 before the client has finished sending
        }
        for (String chain : new String[] { "x".repeat(129), "default chain", "default,premium" }) {
            HttpResponse<String> r = gw.chat(TestGateway.request("x"), "x-gateway-chain", chain);
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("x-gateway-chain", TestGateway.json(r).at("/error/param").asText());
        }
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(0, gw.sim(p).calls(), "no refused request reached " + p);
        }
        assertEquals(State.CLOSED, gw.breaker("openai").getState());
    }
}

package dev.aigateway.chain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** The default chain openai → anthropic → deepseek from routes/, against real HTTP upstreams that fail. */
class ChainFallbackTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.timeout", "400"));

    @Test
    void healthyPrimaryAnswers() {
        HttpResponse<String> r = gw.chat(TestGateway.request("hello"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("chat.completion", body.path("object").asText());
        assertEquals("Simulated openai (gpt-4.1) answering: hello", body.at("/choices/0/message/content").asText());
        assertEquals("gpt-4.1", body.path("model").asText());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("openai", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertTrue(r.headers().firstValue("x-gateway-latency-ms").isPresent());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls());
    }

    @Test
    void primary500FallsBackToSecondary() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> r = gw.chat(TestGateway.request("fallback please"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: fallback please",
                body.at("/choices/0/message/content").asText());
        assertEquals("claude-sonnet-4-6", body.path("model").asText(), "model is the one that answered");
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("openai,anthropic", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals("http_500", body.at("/gateway/attempts/0/outcome").asText());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(1, gw.sim("anthropic").calls());
        assertEquals(0, gw.sim("deepseek").calls());
    }

    @Test
    void primarySlowerThanItsTimeoutFallsBack() {
        gw.sim("openai").faults(Faults.none(3_000)); // provider.openai.timeout is 400 ms here
        HttpResponse<String> r = gw.chat(TestGateway.request("slow"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("anthropic", body.at("/gateway/provider").asText());
        assertEquals("timeout", body.at("/gateway/attempts/0/outcome").asText());
        long waited = body.at("/gateway/attempts/0/latency_ms").asLong();
        assertTrue(waited >= 350 && waited < 2_500, "gave up after the timeout, not the upstream's 3 s: " + waited);
    }

    @Test
    void droppedConnectionAndGarbageFallBack() {
        gw.sim("openai").faults(Faults.of("drop"));
        gw.sim("anthropic").faults(Faults.of("garbage"));
        HttpResponse<String> r = gw.chat(TestGateway.request("x"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("deepseek", body.at("/gateway/provider").asText());
        assertEquals("connection_error", body.at("/gateway/attempts/0/outcome").asText());
        assertEquals("bad_response", body.at("/gateway/attempts/1/outcome").asText());
    }

    @Test
    void rateLimitWithRetryAfterKeepsPrimaryOutUntilThen() {
        gw.sim("openai").faults(Faults.of("rate-limit").withRetryAfter(2));
        HttpResponse<String> first = gw.chat(TestGateway.request("one"));
        assertEquals("anthropic", first.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("rate_limited", TestGateway.json(first).at("/gateway/attempts/0/outcome").asText());
        long start = System.currentTimeMillis();
        gw.sim("openai").faults(Faults.none(0)); // recovered, but we promised to wait
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("during cooldown"));
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("cooling_down", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        }
        assertTrue(System.currentTimeMillis() - start < 1_800, "the loop must run inside the Retry-After window");
        assertEquals(1, gw.sim("openai").calls(), "no call to the primary during Retry-After");
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai").getState(), "skips are not failures");
        await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(200)).until(() ->
                "openai".equals(gw.chat(TestGateway.request("after")).headers().firstValue("x-gateway-provider").orElse("")));
        assertEquals(2, gw.sim("openai").calls());
    }

    @Test
    void breakerOpensStopsCallsHalfOpensAndCloses() {
        CircuitBreaker breaker = gw.breaker("openai");
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        for (int i = 0; i < 4; i++) {
            assertEquals(200, gw.chat(TestGateway.request("fail " + i)).statusCode());
        }
        assertEquals(CircuitBreaker.State.OPEN, breaker.getState());
        assertEquals(4, gw.sim("openai").calls());
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("open " + i));
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("breaker_open", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        }
        assertEquals(4, gw.sim("openai").calls(), "an open breaker sends nothing to the provider");

        gw.sim("openai").faults(Faults.none(0));
        await().atMost(Duration.ofSeconds(3)).pollDelay(Duration.ofMillis(900)).until(() -> {
            HttpResponse<String> r = gw.chat(TestGateway.request("half-open"));
            return "openai".equals(r.headers().firstValue("x-gateway-provider").orElse(""));
        });
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.getState());
        assertEquals("openai", gw.chat(TestGateway.request("second trial")).headers().firstValue("x-gateway-provider")
                .orElseThrow());
        assertEquals(CircuitBreaker.State.CLOSED, breaker.getState(), "two good trial calls close it");
        assertEquals(6, gw.sim("openai").calls());
    }

    @Test
    void allDownGives503ListingEveryProvider() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").faults(Faults.of("overloaded"));
        gw.sim("deepseek").faults(Faults.of("error").withStatus(401));
        HttpResponse<String> r = gw.chat(TestGateway.request("anyone?"));
        assertEquals(503, r.statusCode());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("all_providers_failed", error.path("type").asText());
        JsonNode tried = error.path("providers_tried");
        assertEquals(3, tried.size());
        assertEquals("openai", tried.get(0).path("provider").asText());
        assertEquals("http_500", tried.get(0).path("outcome").asText());
        assertEquals("anthropic", tried.get(1).path("provider").asText());
        assertEquals("overloaded", tried.get(1).path("outcome").asText());
        assertEquals(529, tried.get(1).path("status").asInt());
        assertEquals("deepseek", tried.get(2).path("provider").asText());
        assertEquals("auth_error", tried.get(2).path("outcome").asText());
        assertTrue(error.path("message").asText().contains("openai"), error.toString());
        assertEquals("openai,anthropic,deepseek", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals("false", r.headers().firstValue("x-should-retry").orElseThrow(), "SDKs must not rerun the chain");
    }

    @Test
    void provider400GoesToTheClientWithoutFallback() {
        gw.sim("openai").faults(Faults.of("bad-request"));
        HttpResponse<String> r = gw.chat(TestGateway.request("too long"));
        assertEquals(400, r.statusCode());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(error.path("message").asText().contains("Unsupported parameter"), error.toString());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(0, gw.sim("anthropic").calls());
        assertEquals(0, gw.sim("deepseek").calls());
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai").getState());
    }

    @Test
    void premiumChainUsesOnlyExpensiveModels() {
        gw.sim("openai").faults(Faults.of("error"));
        gw.sim("anthropic").faults(Faults.of("error"));
        HttpResponse<String> viaFlag = gw.chat("{\"prompt\":\"premium\",\"require_expensive_model\":true}");
        assertEquals(503, viaFlag.statusCode());
        HttpResponse<String> viaHeader = gw.chat(TestGateway.request("premium"), "x-gateway-chain", "premium");
        assertEquals(503, viaHeader.statusCode());
        assertEquals(0, gw.sim("deepseek").calls(), "deepseek is not in the premium chain");
        HttpResponse<String> normal = gw.chat("{\"prompt\":\"default chain\"}");
        assertEquals("deepseek", normal.headers().firstValue("x-gateway-provider").orElseThrow());
    }

    @Test
    void shortFormBecomesMessages() {
        gw.sim("openai").faults(Faults.of("error"));
        HttpResponse<String> r = gw.chat("{\"prompt\":\"What is 2+2?\",\"system_message\":\"Answer briefly\","
                + "\"temperature\":0.2,\"max_tokens\":50}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: What is 2+2?",
                TestGateway.json(r).at("/choices/0/message/content").asText());
    }

    @Test
    void costComesFromUsageAndPrices() {
        HttpResponse<String> r = gw.chat(TestGateway.request("price me"));
        JsonNode usage = TestGateway.json(r).path("usage");
        var reported = gw.sim("openai").lastUsage();
        assertEquals(reported.prompt(), usage.path("prompt_tokens").asLong(), "openai's own count");
        assertEquals(reported.completion(), usage.path("completion_tokens").asLong());
        double expected = (usage.path("prompt_tokens").asLong() * 2.00 + usage.path("completion_tokens").asLong() * 8.00)
                / 1_000_000d;
        assertTrue(usage.path("completion_tokens").asLong() > 0);
        assertEquals(expected, Double.parseDouble(r.headers().firstValue("x-gateway-cost-usd").orElseThrow()), 1e-8);
        assertEquals(expected, TestGateway.json(r).at("/gateway/cost_usd").asDouble(), 1e-12);
    }

    @Test
    void modelsListsEveryAliasOnceWithItsChain() {
        HttpResponse<String> r = gw.get("/v1/models");
        assertEquals(200, r.statusCode());
        Map<String, String> chains = new java.util.LinkedHashMap<>();
        for (JsonNode m : TestGateway.json(r).path("data")) {
            assertEquals("model", m.path("object").asText());
            assertTrue(m.has("created") && m.has("owned_by"), m.toString());
            String chain = m.has("chains") ? m.path("chains").toString() : m.path("chain").asText();
            assertEquals(null, chains.put(m.path("id").asText(), chain), "ids are unique: " + r.body());
        }
        // auto is not the default chain's: it chooses between the budget and premium chains per request
        // embeddings aliases select the embeddings chains (routes/chain-*embeddings.yaml)
        assertEquals(Map.ofEntries(Map.entry("auto", "[\"budget\",\"premium\"]"), Map.entry("gpt-4.1", "default"),
                Map.entry("claude-sonnet-4-6", "claude"), Map.entry("claude-sonnet-4-5", "claude"),
                Map.entry("deepseek-chat", "deepseek"), Map.entry("gemini-2.5-flash", "gemini"), Map.entry("premium", "premium"),
                Map.entry("budget", "budget"), Map.entry("embeddings", "embeddings"),
                Map.entry("text-embedding-3-small", "embeddings"), Map.entry("gemini-embedding-001", "gemini-embeddings")), chains);
    }
}

package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** The request's {@code model} selects its chain (the chain files' {@code models}); chain names still win. */
class ModelRoutingTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    @Test
    void eachAliasLandsOnItsProviderWhichIsSentItsOwnModel() {
        String[][] cases = { { "gpt-4.1", "openai", "gpt-4.1", "default" },
                { "claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6", "claude" },
                // retired by Anthropic on 2026-11-30: the alias stays, the provider is sent the current model
                { "claude-sonnet-4-5", "anthropic", "claude-sonnet-4-6", "claude" },
                { "deepseek-chat", "deepseek", "deepseek-chat", "deepseek" },
                { "gemini-2.5-flash", "gemini", "gemini-2.5-flash", "gemini" },
                { "premium", "openai", "gpt-4.1", "premium" }, { "budget", "deepseek", "deepseek-chat", "budget" } };
        // model auto chooses by the request itself: AutoRouteTest
        for (String[] c : cases) {
            gw.reset();
            HttpResponse<String> r = gw.chat(chat("\"model\":\"" + c[0] + "\""));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals(c[1], r.headers().firstValue("x-gateway-provider").orElseThrow(), c[0]);
            assertEquals("chain=" + c[3] + "; model=" + c[0], r.headers().firstValue("x-gateway-route").orElseThrow());
            assertEquals(c[3], TestGateway.json(r).at("/gateway/chain").asText());
            assertEquals("model=" + c[0], TestGateway.json(r).at("/gateway/route").asText());
            // the provider is sent its configured model, never the alias
            assertEquals(c[2], gw.sim(c[1]).lastRequest().path("model").asText(), c[0]);
            assertEquals(1, gw.sim("openai").calls() + gw.sim("anthropic").calls() + gw.sim("deepseek").calls()
                    + gw.sim("gemini").calls() + gw.sim("holysheep").calls(), "one call for " + c[0]);
        }
    }

    @Test
    void aMissingModelGoesToTheDefaultChain() {
        HttpResponse<String> r = gw.chat(chat(null));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("chain=default; default", r.headers().firstValue("x-gateway-route").orElseThrow());
    }

    @Test
    void aModelsChainFallsBackAcrossProviders() {
        gw.sim("anthropic").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> r = gw.chat(chat("\"model\":\"claude-sonnet-4-6\""));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("anthropic,openai", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals("gpt-4.1", gw.sim("openai").lastRequest().path("model").asText());
    }

    @Test
    void anUnknownModelIs400ModelNotFoundListingTheValidNamesAndNoProviderIsCalled() {
        HttpResponse<String> r = gw.chat(chat("\"model\":\"gpt-9\""));
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("model_not_found", error.path("code").asText());
        assertEquals("model", error.path("param").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals("The model 'gpt-9' does not exist on this gateway; valid models: auto, budget, claude-sonnet-4-5, claude-sonnet-4-6, "
                + "deepseek-chat, gemini-2.5-flash, gpt-4.1, premium", error.path("message").asText());
        assertEquals(0, gw.sim("openai").calls() + gw.sim("anthropic").calls() + gw.sim("deepseek").calls()
                + gw.sim("gemini").calls());
    }

    @Test
    void aChainNamedOutrightWinsOverTheModel() {
        HttpResponse<String> header = gw.chat(chat("\"model\":\"claude-sonnet-4-6\""), "x-gateway-chain", "deepseek");
        assertEquals("deepseek", header.headers().firstValue("x-gateway-provider").orElseThrow(), header.body());
        assertEquals("chain=deepseek; x-gateway-chain", header.headers().firstValue("x-gateway-route").orElseThrow());
        HttpResponse<String> body = gw.chat(chat("\"model\":\"claude-sonnet-4-6\",\"chain\":\"gemini\""));
        assertEquals("gemini", body.headers().firstValue("x-gateway-provider").orElseThrow(), body.body());
        assertEquals("chain=gemini; chain", body.headers().firstValue("x-gateway-route").orElseThrow());
        HttpResponse<String> expensive = gw.chat(chat("\"model\":\"budget\",\"require_expensive_model\":true"));
        assertEquals("openai", expensive.headers().firstValue("x-gateway-provider").orElseThrow(), expensive.body());
        assertEquals("chain=premium; require_expensive_model",
                expensive.headers().firstValue("x-gateway-route").orElseThrow());
        // a chain named outright makes the model irrelevant: even an unknown one is not refused
        HttpResponse<String> unknown = gw.chat(chat("\"model\":\"gpt-9\""), "x-gateway-chain", "default");
        assertEquals(200, unknown.statusCode(), unknown.body());
    }

    @Test
    void aStreamCarriesTheRouteHeaderToo() {
        HttpResponse<String> r = gw.chat(chat("\"model\":\"deepseek-chat\",\"stream\":true"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("chain=deepseek; model=deepseek-chat", r.headers().firstValue("x-gateway-route").orElseThrow());
        assertTrue(r.body().contains("\"chain\":\"deepseek\",\"route\":\"model=deepseek-chat\""), r.body());
        assertEquals(1, gw.sim("deepseek").streams());
    }

    @Test
    void unknownModelsCanGoToTheDefaultChain() {
        try (TestGateway lenient = TestGateway.start(Map.of("gateway.models.unknown", "default"))) {
            HttpResponse<String> r = lenient.chat(chat("\"model\":\"gpt-9\""));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow());
            assertEquals("chain=default; default", r.headers().firstValue("x-gateway-route").orElseThrow());
            assertEquals("gpt-4.1", lenient.sim("openai").lastRequest().path("model").asText());
            HttpResponse<String> known = lenient.chat(chat("\"model\":\"claude-sonnet-4-6\""));
            assertEquals("anthropic", known.headers().firstValue("x-gateway-provider").orElseThrow());
        }
    }

    private static String chat(String field) {
        return "{" + (field == null ? "" : field + ",") + "\"messages\":[{\"role\":\"user\",\"content\":\"which model?\"}]}";
    }
}

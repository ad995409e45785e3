package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * gateway.simulator.mode=auto fails closed: the simulator stands in only when no provider has a key (the
 * offline demo, marked x-gateway-simulated: true); once one has, a provider without its key is disabled —
 * never called, never simulated — and the chain passes over it. Real HTTP upstreams (TestGateway's simulator).
 */
class SimulatorModeTest {
    static final String[] PROVIDERS = { "openai", "anthropic", "deepseek", "holysheep", "gemini" };

    /** mode=auto with every key variable pointing at a name no environment has. */
    static Map<String, String> autoWithoutKeys() {
        Map<String, String> s = new HashMap<>();
        s.put("gateway.simulator.mode", "auto");
        s.put("gateway.simulator.port", String.valueOf(AvailablePortFinder.getNextAvailable()));
        s.put("gateway.simulator.latency", "0");
        s.put("gateway.simulator.chunk-interval", "0");
        for (String p : PROVIDERS) {
            s.put("provider." + p + ".api-key-env", "AIGW_TEST_NO_SUCH_" + p.toUpperCase() + "_KEY");
        }
        return s;
    }

    @Test
    void aMisspelledKeyBesideARealOneDisablesThatProviderAndNeverSimulatesIt() throws Exception {
        Path dir = Files.createTempDirectory("provider-keys");
        Map<String, String> s = autoWithoutKeys();
        s.put("provider.openai.api-key-file", Files.writeString(dir.resolve("openai"), "sk-modetest-FAKE-openai").toString());
        s.put("provider.deepseek.api-key-file", Files.writeString(dir.resolve("deepseek"), "sk-modetest-FAKE-deepseek").toString());
        // the operator meant ANTHROPIC_API_KEY
        s.put("provider.anthropic.api-key-env", "ANTHROPIC_API_KEYY");
        try (TestGateway gw = TestGateway.start(s)) {
            assertNull(gw.context().getRegistry().lookupByName("providerSimulator"), "no simulator is started");

            HttpResponse<String> real = gw.chat(TestGateway.request("hello"));
            assertEquals(200, real.statusCode(), real.body());
            assertEquals("openai", real.headers().firstValue("x-gateway-provider").orElseThrow());
            assertTrue(real.headers().firstValue("x-gateway-simulated").isEmpty(), "a real answer is not marked simulated");
            assertFalse(TestGateway.json(real).at("/gateway").has("simulated"));
            assertEquals(1, gw.sim("openai").calls());
            assertEquals("Bearer sk-modetest-FAKE-openai", gw.sim("openai").lastCredential());

            // openai fails: the chain (openai → anthropic → deepseek) passes over the disabled anthropic
            gw.sim("openai").faults(Faults.of("error"));
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = gw.chat(TestGateway.request("fallback " + i));
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("deepseek", r.headers().firstValue("x-gateway-provider").orElseThrow());
                assertTrue(r.headers().firstValue("x-gateway-simulated").isEmpty());
                JsonNode anthropic = attempt(TestGateway.json(r), "anthropic");
                assertEquals("disabled", anthropic.path("outcome").asText(), r.body());
                assertEquals(0, anthropic.path("status").asInt());
            }
            assertEquals(0, gw.sim("anthropic").calls(), "the provider without its key is never called");
            assertEquals(0, gw.sim("anthropic").probes(), "nor probed");
            assertEquals(6, gw.sim("deepseek").calls());
            CircuitBreaker breaker = gw.breaker("anthropic");
            assertEquals(CircuitBreaker.State.CLOSED, breaker.getState());
            assertEquals(0, breaker.getMetrics().getNumberOfBufferedCalls(), "a disabled provider is no breaker failure");

            JsonNode status = TestGateway.json(gw.admin("/admin/providers"));
            assertEquals("disabled: no key", provider(status, "anthropic").path("status").asText(), status.toString());
            assertFalse(provider(status, "anthropic").path("simulated").asBoolean());
            assertTrue(provider(status, "anthropic").path("health").isNull(), "no probe result for a disabled provider");
            assertEquals("enabled", provider(status, "openai").path("status").asText());
            assertEquals("disabled: no key", provider(status, "gemini").path("status").asText());

            // readiness waits for the first probe of every provider it probes, not for the disabled ones
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> gw.management("/observe/health").statusCode() == 200);
            HttpResponse<String> ready = gw.management("/observe/health");
            assertTrue(ready.body().contains("UP"), ready.body());
        }
    }

    @Test
    void withNoKeyAtAllEveryProviderIsSimulatedAndEveryAnswerSaysSo() throws Exception {
        try (TestGateway gw = TestGateway.start(autoWithoutKeys())) {
            HttpResponse<String> r = gw.chat(TestGateway.request("demo"));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("true", r.headers().firstValue("x-gateway-simulated").orElse(null), r.headers().toString());
            assertTrue(TestGateway.json(r).at("/gateway/simulated").asBoolean(), r.body());
            assertEquals(0, gw.sim("openai").calls(), "the configured base URL is not called in the demo");

            HttpResponse<String> streamed = gw.chat(TestGateway.request("demo stream").replace("{", "{\"stream\":true,"));
            assertEquals(200, streamed.statusCode(), streamed.body());
            assertEquals("true", streamed.headers().firstValue("x-gateway-simulated").orElse(null));
            assertTrue(streamed.body().contains("\"simulated\":true"), streamed.body());

            JsonNode status = TestGateway.json(gw.admin("/admin/providers"));
            for (String p : PROVIDERS) {
                assertEquals("simulated", provider(status, p).path("status").asText(), status.toString());
            }
        }
    }

    static JsonNode attempt(JsonNode reply, String provider) {
        for (JsonNode a : reply.at("/gateway/attempts")) {
            if (provider.equals(a.path("provider").asText())) {
                return a;
            }
        }
        throw new AssertionError("no attempt of " + provider + " in " + reply);
    }

    static JsonNode provider(JsonNode status, String name) {
        for (JsonNode p : status.path("providers")) {
            if (name.equals(p.path("provider").asText())) {
                return p;
            }
        }
        throw new AssertionError("no provider " + name + " in " + status);
    }
}

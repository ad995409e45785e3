package dev.aigateway.metrics;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** After a known set of requests, /observe/metrics and /admin/providers show exactly those counts. */
class MetricsTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    @Test
    void metricsAndStatusCountWhatHappened() throws Exception {
        long openAiOut = 0;
        for (int i = 0; i < 5; i++) {
            assertEquals(200, gw.chat(TestGateway.request("ok " + i)).statusCode());
            openAiOut += gw.sim("openai").lastUsage().completion(); // as openai reported it
        }
        gw.sim("openai").faults(Faults.of("error").withStatus(502));
        for (int i = 0; i < 1; i++) { // one failure in the window of 4 keeps the breaker closed
            assertEquals("anthropic", gw.chat(TestGateway.request("fb " + i)).headers().firstValue("x-gateway-provider").orElseThrow());
        }
        var anthropicUsage = gw.sim("anthropic").lastUsage();
        assertEquals(400, gw.chat("{\"messages\":[]}").statusCode());

        String metrics = gw.management("/observe/metrics").body();
        assertEquals(6, value(metrics, "gateway_requests_total{chain=\"default\",ingress=\"http\",outcome=\"ok\"}"));
        assertEquals(1, value(metrics, "gateway_requests_total{chain=\"none\",ingress=\"http\",outcome=\"rejected\"}"));
        assertEquals(5, value(metrics, "gateway_attempts_total{deployment=\"openai\",outcome=\"ok\",provider=\"openai\"}"));
        assertEquals(1, value(metrics, "gateway_attempts_total{deployment=\"openai\",outcome=\"http_502\",provider=\"openai\"}"));
        assertEquals(1, value(metrics, "gateway_fallbacks_total{deployment=\"openai\",provider=\"openai\",reason=\"http_502\"}"));
        assertEquals(1, value(metrics, "gateway_attempts_total{deployment=\"anthropic\",outcome=\"ok\",provider=\"anthropic\"}"));
        assertTrue(Pattern.compile("gateway_upstream_latency_seconds_bucket\\{deployment=\"openai\",model=\"gpt-4.1\",provider=\"openai\",le=\"[^\"]+\"\\}").matcher(metrics).find(),
                "histogram buckets: p50/p95/p99 with Prometheus' histogram_quantile");
        assertEquals(6, value(metrics, "gateway_upstream_latency_seconds_count{deployment=\"openai\",model=\"gpt-4.1\",provider=\"openai\"}"),
                "every call made to openai is timed, the failed one too");
        assertEquals(openAiOut, value(metrics, "gateway_tokens_total{deployment=\"openai\",direction=\"out\",model=\"gpt-4.1\",provider=\"openai\"}"),
                "the completion tokens openai reported, summed");
        assertEquals((anthropicUsage.prompt() * 3.00 + anthropicUsage.completion() * 15.00) / 1e6,
                value(metrics, "gateway_cost_usd_total{deployment=\"anthropic\",model=\"claude-sonnet-4-6\",provider=\"anthropic\"}"), 1e-9,
                "anthropic's reported usage at its prices");
        assertTrue(metrics.contains("resilience4j_circuitbreaker_state{name=\"openai\",state=\"closed\"} 1.0"));
        assertTrue(metrics.contains("gateway_provider_healthy{deployment=\"openai\",provider=\"openai\"} 1.0"));

        JsonNode status = TestGateway.json(gw.admin("/admin/providers"));
        JsonNode openai = status.path("providers").get(0);
        assertEquals("openai", openai.path("provider").asText());
        assertEquals(6, openai.path("requests").asLong());
        assertEquals(1, openai.path("fallbacks").asLong());
        assertEquals("CLOSED", openai.at("/breaker/state").asText());
        assertTrue(openai.at("/latency_ms").has("p95"));
        assertTrue(openai.at("/health/healthy").asBoolean(), openai.toString());
        JsonNode totals = status.path("totals");
        assertEquals(7, totals.path("total").asLong());
        assertEquals(6, totals.path("successful").asLong());
        assertEquals(1, totals.path("fallback_count").asLong());
        assertEquals(85.71, totals.path("success_rate_percent").asDouble(), 0.001);

        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        for (int i = 0; i < 4; i++) {
            gw.chat(TestGateway.request("trip " + i));
        }
        String after = gw.management("/observe/metrics").body();
        assertEquals(1, value(after, "gateway_breaker_transitions_total{deployment=\"openai\",from=\"CLOSED\",provider=\"openai\",to=\"OPEN\"}"));
        assertTrue(after.contains("resilience4j_circuitbreaker_state{name=\"openai\",state=\"open\"} 1.0"));
        assertEquals(1, TestGateway.json(gw.admin("/admin/providers")).at("/totals/circuit_breaker_trips").asLong());
        assertEquals("UP", TestGateway.json(gw.management("/observe/health")).path("status").asText(),
                "a provider outage leaves the gateway ready");
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.Ee+-]+)$").matcher(metrics);
        assertTrue(m.find(), "no series " + series);
        return Double.parseDouble(m.group(1));
    }
}

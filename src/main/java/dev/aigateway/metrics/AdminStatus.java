package dev.aigateway.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.aigateway.api.Json;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;

/** GET /admin/providers: what an operator asks first — per provider and in total — read from the live meters. */
public class AdminStatus {
    private final Providers providers;
    private final ProviderHealth health;
    private final GatewayMetrics metrics;
    private final Cooldowns cooldowns;

    public AdminStatus(Providers providers, ProviderHealth health, GatewayMetrics metrics, Cooldowns cooldowns) {
        this.cooldowns = cooldowns;
        this.providers = providers;
        this.health = health;
        this.metrics = metrics;
    }

    public void providers(Exchange exchange) throws Exception {
        MeterRegistry r = metrics.registry();
        ObjectNode body = Json.object();
        ArrayNode list = body.putArray("providers");
        for (Provider p : providers.all()) {
            ObjectNode n = list.addObject().put("provider", Providers.providerOf(p.name())).put("deployment", p.name())
                    .put("region", providers.region(p.name())).put("weight", providers.weight(p.name()))
                    .put("model", p.settings().model())
                    .put("simulated", p.simulated())
                    // "disabled: no key": left out of every chain at start-up (gateway.simulator.mode=auto)
                    .put("status", p.isDisabled() ? "disabled: " + p.disabled() : p.simulated() ? "simulated" : "enabled");
            CircuitBreaker breaker = exchange.getContext().getRegistry().lookupByNameAndType(p.name(), CircuitBreaker.class);
            n.putObject("breaker").put("state", breaker.getState().name())
                    .put("failure_rate_percent", breaker.getMetrics().getFailureRate())
                    .put("buffered_calls", breaker.getMetrics().getNumberOfBufferedCalls());
            health.results().stream().filter(h -> h.provider().equals(p.name())).findFirst().ifPresentOrElse(
                    h -> n.putObject("health").put("healthy", h.healthy()).put("latency_ms", h.latencyMs())
                            .put("status", h.status()).put("error", h.error()).put("timestamp", h.timestamp().toString())
                            .put("instance", h.instance()),
                    () -> n.putNull("health"));
            // 0 unless the provider asked to back off (429, quota): then no chain calls it for this long
            n.put("cooldown_remaining_ms", cooldowns.remainingMs(p.name()));
            Timer t = metrics.upstream(p.name(), p.settings().model());
            ObjectNode latency = n.putObject("latency_ms");
            for (ValueAtPercentile v : t.takeSnapshot().percentileValues()) {
                latency.put("p" + Math.round(v.percentile() * 100), Math.round(v.value(java.util.concurrent.TimeUnit.MILLISECONDS)));
            }
            long attempts = sum(r, "gateway.attempts", "deployment", p.name());
            n.put("requests", attempts);
            // the console's per-provider success rate: attempts this deployment answered
            long answered = Math.round(r.find("gateway.attempts").tag("deployment", p.name()).tag("outcome", "ok")
                    .counters().stream().mapToDouble(Counter::count).sum());
            n.put("successful", answered)
                    .put("success_rate_percent", attempts == 0 ? 100.0 : Math.round(answered * 10000.0 / attempts) / 100.0);
            n.put("fallbacks", sum(r, "gateway.fallbacks", "deployment", p.name()));
        }
        long total = sum(r, "gateway.requests", null, null);
        long ok = sum(r, "gateway.requests", "outcome", "ok");
        Timer latency = r.find("gateway.request.latency").timer();
        ObjectNode totals = body.putObject("totals");
        totals.put("total", total).put("successful", ok).put("failed", total - ok)
                .put("fallback_count", sum(r, "gateway.fallbacks", null, null))
                .put("circuit_breaker_trips", sum(r, "gateway.breaker.transitions", "to", "OPEN"))
                .put("success_rate_percent", total == 0 ? 100.0 : Math.round(ok * 10000.0 / total) / 100.0)
                .put("avg_latency_ms", latency == null ? 0 : Math.round(latency.mean(java.util.concurrent.TimeUnit.MILLISECONDS)));
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.MAPPER.writeValueAsBytes(body));
    }

    private static long sum(MeterRegistry r, String name, String tag, String value) {
        var search = r.find(name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        return Math.round(search.counters().stream().mapToDouble(Counter::count).sum());
    }
}

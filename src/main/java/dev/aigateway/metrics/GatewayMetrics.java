package dev.aigateway.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.aigateway.provider.Providers;

/**
 * The gateway's own meters (Prometheus names in docs/operations.md): requests by ingress/chain/outcome, every
 * provider attempt with its latency percentiles, fallbacks, tokens, cost, breaker transitions, health.
 * Tags are bounded: provider and model come from the configuration, never from a request.
 */
public final class GatewayMetrics {
    private static final double[] PERCENTILES = { 0.5, 0.95, 0.99 };

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> healthy = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** A request finished: its outcome, and the time the gateway itself added (total minus upstream). */
    public void request(String ingress, String chain, String outcome, long totalMs, long upstreamMs) {
        Counter.builder("gateway.requests").description("Requests by ingress, chain and outcome")
                .tags("ingress", ingress, "chain", chain, "outcome", outcome).register(registry).increment();
        Timer.builder("gateway.request.latency").description("Total time of a request in the gateway")
                .tags("ingress", ingress).publishPercentiles(PERCENTILES).register(registry)
                .record(totalMs, TimeUnit.MILLISECONDS);
        Timer.builder("gateway.overhead").description("Time spent in the gateway: total minus the answering call")
                .tags("ingress", ingress).publishPercentiles(PERCENTILES).register(registry)
                .record(Math.max(0, totalMs - upstreamMs), TimeUnit.MILLISECONDS);
    }

    /** One provider attempt; a failed or skipped one is also a fallback. */
    public void attempt(String provider, String model, String outcome, long latencyMs, boolean called) {
        if (called) {
            upstream(provider, model).record(latencyMs, TimeUnit.MILLISECONDS);
        }
        Counter.builder("gateway.attempts").description("Provider attempts by outcome")
                .tags(provider(provider)).tag("outcome", outcome).register(registry).increment();
        if (!"ok".equals(outcome) && !"client_error".equals(outcome)) {
            Counter.builder("gateway.fallbacks").description("Times a provider was left for the next one")
                    .tags(provider(provider)).tag("reason", outcome).register(registry).increment();
        }
    }

    public void usage(String provider, String model, long promptTokens, long completionTokens, double costUsd) {
        Counter.builder("gateway.tokens").tags(provider(provider)).tags("model", model, "direction", "in")
                .register(registry).increment(promptTokens);
        Counter.builder("gateway.tokens").tags(provider(provider)).tags("model", model, "direction", "out")
                .register(registry).increment(completionTokens);
        Counter.builder("gateway.cost.usd").description("Spend by provider and model")
                .tags(provider(provider)).tag("model", model).register(registry).increment(costUsd);
    }

    /** A provider broke an answer after part of it was delivered, and another took over (or none could). */
    public void midStreamFailover(String from, String to, String reason, String mode) {
        Counter.builder("gateway.stream.failovers").description("Answers broken mid-stream and handed to the next provider")
                .tags("from", from, "to", to, "reason", reason, "mode", mode).register(registry).increment();
    }

    /** Time from the provider call to its first streamed content. */
    public void timeToFirstToken(String provider, long ms) {
        Timer.builder("gateway.stream.first.token").description("Time to the first streamed content, per provider")
                .tags(provider(provider)).publishPercentiles(PERCENTILES).register(registry)
                .record(ms, TimeUnit.MILLISECONDS);
    }

    /** A request made with a gateway API key, by outcome (ok, failed, rate_limited, over_budget, forbidden). */
    public void keyRequest(String key, String outcome) {
        Counter.builder("gateway.key.requests").description("Requests per gateway API key")
                .tags("key", key, "outcome", outcome).register(registry).increment();
    }

    /** Tokens and spend of a gateway API key (the tag is the key's id, never the key). */
    public void keyUsage(String key, long promptTokens, long completionTokens, double costUsd) {
        Counter.builder("gateway.key.tokens").tags("key", key, "direction", "in").register(registry).increment(promptTokens);
        Counter.builder("gateway.key.tokens").tags("key", key, "direction", "out").register(registry)
                .increment(completionTokens);
        Counter.builder("gateway.key.cost.usd").description("Spend per gateway API key").tag("key", key)
                .register(registry).increment(costUsd);
    }

    public void breakerTransition(String provider, String from, String to) {
        Counter.builder("gateway.breaker.transitions").tags(provider(provider)).tags("from", from, "to", to)
                .register(registry).increment();
    }

    public void health(String provider, boolean isHealthy, long probeMs) {
        healthy.computeIfAbsent(provider, p -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("gateway.provider.healthy", value, AtomicInteger::get)
                    .description("1 when the provider's last health probe succeeded").tags(provider(p)).register(registry);
            return value;
        }).set(isHealthy ? 1 : 0);
        Timer.builder("gateway.health.probe").tags(provider(provider)).register(registry)
                .record(Duration.ofMillis(probeMs));
    }

    /** A health-topic record that was not applied; {@code reason} is one of a fixed few (never record content). */
    public void healthRecordIgnored(String reason) {
        Counter.builder("gateway.health.records.ignored").description("Health-topic records ignored, by reason")
                .tag("reason", reason).register(registry).increment();
    }

    /** A gauge of the Kafka requests being processed right now; the caller counts. */
    public AtomicInteger kafkaInFlight() {
        AtomicInteger value = new AtomicInteger();
        Gauge.builder("gateway.kafka.in.flight", value, AtomicInteger::get)
                .description("Kafka requests being processed now").register(registry);
        return value;
    }

    public void deadLetter(String code) {
        Counter.builder("gateway.kafka.dead.letters").tag("code", code).register(registry).increment();
    }

    /** The upstream latency timer of a provider (the status endpoint reads its percentiles). */
    public Timer upstream(String provider, String model) {
        return Timer.builder("gateway.upstream.latency").description("Provider call latency")
                .tags(provider(provider)).tag("model", model).publishPercentiles(PERCENTILES)
                .publishPercentileHistogram().register(registry);
    }

    /**
     * The tags of a provider's meters: {@code provider} is the provider's name (openai), {@code deployment} the
     * deployment that was called (openai.us; the provider's name when it has no deployments).
     */
    public static io.micrometer.core.instrument.Tags provider(String deployment) {
        return io.micrometer.core.instrument.Tags.of("provider", Providers.providerOf(deployment), "deployment", deployment);
    }
}

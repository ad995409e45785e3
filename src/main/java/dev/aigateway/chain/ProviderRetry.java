package dev.aigateway.chain;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

import io.github.resilience4j.core.functions.CheckedRunnable;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.config.Settings;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;
import dev.aigateway.stream.StreamAbandonedException;

/**
 * Calls a deployment's provider route again before its breaker falls back ({@code provider.<name>.retries},
 * default {@code gateway.retries}): a resilience4j Retry inside the deployment's circuitBreaker, so the
 * breaker counts the whole series as one call. Retried: connection errors, timeouts and 5xx (not while the
 * deployment cools down after a Retry-After). Never retried: 4xx and 429, a stream whose content reached the
 * client, anything once the request's deadline has passed. The backoff starts at {@code retry-backoff}
 * (200ms), doubles, is capped at {@value #MAX_BACKOFF_MS} ms, gets up to a quarter more as jitter, and never
 * outlasts the deadline. Each failed call is recorded in the attempt log (and its metrics) like any attempt.
 */
public class ProviderRetry {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderRetry.class);
    public static final long MAX_BACKOFF_MS = 2_000;

    /** One deployment's retries and first backoff. */
    public record Policy(int retries, long backoffMs) {
        /** Pause before retry {@code n} (1-based): doubling from backoffMs, capped, plus up to 25 % jitter. */
        long pauseMs(int n) {
            long base = Math.min(MAX_BACKOFF_MS, backoffMs << Math.min(n - 1, 20));
            return Math.min(MAX_BACKOFF_MS, base + ThreadLocalRandom.current().nextLong(base / 4 + 1));
        }
    }

    private final Map<String, Policy> policies = new HashMap<>();
    private final ProducerTemplate template;
    private final Attempts attempts;
    private final Cooldowns cooldowns;

    public ProviderRetry(ProducerTemplate template, Attempts attempts, Cooldowns cooldowns) {
        this.template = template;
        this.attempts = attempts;
        this.cooldowns = cooldowns;
    }

    /**
     * Reads a provider's or deployment's policy: provider.&lt;p&gt;.deployment.&lt;d&gt;.&lt;key&gt;, else
     * provider.&lt;p&gt;.&lt;key&gt;, else gateway.&lt;key&gt; (key = retries, retry-backoff).
     */
    public static Policy read(String name, Function<String, String> property) {
        int dot = name.indexOf('.');
        String provider = dot < 0 ? name : name.substring(0, dot);
        Function<String, String> key = k -> {
            if (dot > 0 && property.apply("provider." + provider + ".deployment." + name.substring(dot + 1) + "." + k) != null) {
                return "provider." + provider + ".deployment." + name.substring(dot + 1) + "." + k;
            }
            return property.apply("provider." + provider + "." + k) != null ? "provider." + provider + "." + k : "gateway." + k;
        };
        Settings s = new Settings(property);
        return new Policy(s.integer(key.apply("retries"), 0, 10), s.duration(key.apply("retry-backoff"), 1));
    }

    public void policy(String deployment, Policy policy) {
        policies.put(deployment, policy);
    }

    /** True when calls to this deployment go through {@link #call} (Tiers asks when it builds a chain). */
    public boolean retries(String deployment) {
        Policy p = policies.get(deployment);
        return p != null && p.retries() > 0;
    }

    /** Named in a deployment's circuitBreaker instead of {@code to: direct:provider-<deployment>}. */
    public void call(Exchange exchange, String deployment) throws Exception {
        Policy policy = policies.get(deployment);
        GatewayRequest gateway = GatewayRequest.of(exchange);
        RetryConfig config = RetryConfig.custom()
                .maxAttempts(policy.retries() + 1)
                .intervalBiFunction((n, outcome) -> Math.max(1, Math.min(policy.pauseMs(n), gateway.remainingMs())))
                .retryOnException(e -> retryable(gateway, deployment, e))
                .build();
        Retry retry = Retry.of(deployment, config);
        retry.getEventPublisher().onRetry(event -> {
            // the failed call is an attempt of its own (providers_tried, metrics); the breaker sees only the last
            exchange.setProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, event.getLastThrowable());
            attempts.fellBack(exchange, deployment);
            exchange.removeProperty(ExchangePropertyKey.EXCEPTION_CAUGHT.getName());
            LOG.debug("{}: retry {} of {} in {} ms after {}", deployment, event.getNumberOfRetryAttempts(),
                    policy.retries(), event.getWaitInterval().toMillis(), event.getLastThrowable().getMessage());
        });
        CheckedRunnable once = () -> {
            exchange.setException(null);
            template.send("direct:provider-" + deployment, exchange);
            Exception failed = exchange.getException();
            if (failed != null) {
                exchange.setException(null);
                throw failed;
            }
        };
        try {
            Retry.decorateCheckedRunnable(retry, once).run();
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private boolean retryable(GatewayRequest gateway, String deployment, Throwable e) {
        if (gateway.deadlinePassed() || e instanceof ProviderSkippedException || e instanceof StreamAbandonedException) {
            return false;
        }
        AnswerStream answer = AnswerStream.of(gateway);
        if (answer != null && answer.started()) {
            return false; // content reached the client: the chain continues the answer, a retry would repeat it
        }
        if (cooldowns.remainingMs(deployment) > 0) {
            return false; // a Retry-After (or a 429) set a cooldown: the next call would be refused anyway
        }
        if (e instanceof ProviderFailedException f) {
            return f.status() >= 500;
        }
        // no answer at all: a connection error or a timeout (camel-http's are IOExceptions)
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.io.IOException || c instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }
}

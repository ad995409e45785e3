package dev.aigateway.chain;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

import dev.aigateway.api.AllProvidersFailed;
import dev.aigateway.api.Attempt;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Providers;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;
import dev.aigateway.stream.StreamAbandonedException;

/**
 * Named in the chain routes' {@code onFallback}: records why a provider was left behind, and builds the
 * "all providers failed" result at the end of a chain.
 */
public class Attempts {
    private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);

    /** Set on the copy that calls a provider skipped as unhealthy, last (health.mode=try-last): one call's flag. */
    public static final String HEALTH_BYPASS = "gatewayHealthBypass";

    private final Providers providers;
    private final GatewayMetrics metrics;
    private final boolean tryUnhealthyLast;
    private final ProducerTemplate template;
    private final Cooldowns cooldowns;
    private final long waitForCooldownMaxMs;
    /** Which errors fall back (docs/failover.md "Fallback rules"); set by GatewayBeans, defaults to today's policy. */
    private FallbackRules rules = new FallbackRules(key -> null, List.of());

    public void fallbackRules(FallbackRules rules) {
        this.rules = rules;
    }

    private dev.aigateway.embeddings.EmbeddingModels embeddings;

    /** An embeddings request's failed attempt is counted under the provider's embedding model. */
    public void embeddings(dev.aigateway.embeddings.EmbeddingModels embeddings) {
        this.embeddings = embeddings;
    }

    public Attempts(Providers providers, GatewayMetrics metrics, boolean tryUnhealthyLast, ProducerTemplate template,
            Cooldowns cooldowns, long waitForCooldownMaxMs) {
        this.template = template;
        this.cooldowns = cooldowns;
        this.waitForCooldownMaxMs = waitForCooldownMaxMs;
        this.providers = providers;
        this.metrics = metrics;
        this.tryUnhealthyLast = tryUnhealthyLast;
    }

    /** The breaker for {@code provider} fell back: record what happened (error, timeout, breaker open, skipped). */
    public void fellBack(Exchange exchange, String provider) {
        AttemptLog log = GatewayRequest.of(exchange).attempts();
        Throwable caught = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        if (caught instanceof StreamAbandonedException || caught instanceof DeadlineExceededException) {
            return; // not a provider's doing: the answer ends here (the client's stream says why)
        }
        String outcome;
        int status = 0;
        String error;
        if (caught instanceof ProviderFailedException f) {
            outcome = f.outcome();
            status = f.status();
            error = f.getMessage();
        } else if (caught instanceof ProviderSkippedException s) {
            if (FallbackRules.STOPPED.equals(s.outcome())) {
                return; // the chain ended at an earlier step's error (recorded there)
            }
            outcome = s.outcome();
            error = s.getMessage();
        } else if (caught == null) {
            // resilience4j refused the call without running it
            outcome = "breaker_" + exchange.getProperty(ExchangePropertyKey.CIRCUIT_BREAKER_RESPONSE_STATE, "open",
                    String.class).toLowerCase(java.util.Locale.ROOT);
            error = "circuit breaker is " + outcome.substring(8).replace('_', ' ');
        } else {
            Throwable root = rootCause(caught);
            outcome = root instanceof SocketTimeoutException || root.getClass().getSimpleName().contains("Timeout")
                    ? "timeout" : root instanceof ConnectException ? "connection_refused" : "connection_error";
            error = root.getClass().getSimpleName() + (root.getMessage() != null ? ": " + root.getMessage() : "");
        }
        long latency = log == null ? 0 : log.finish(provider, outcome, status, Secrets.mask(error));
        FallbackRules.stopIfNotFallingBack(rules, GatewayRequest.of(exchange), provider, outcome, Secrets.mask(error));
        boolean called = !(caught == null || caught instanceof ProviderSkippedException);
        String model = embeddings != null && GatewayRequest.of(exchange).embeddings() ? embeddings.of(provider).model()
                : providers.get(provider).settings().model();
        metrics.attempt(provider, model, outcome, latency, called);
        LOG.debug("Provider {} fell back: {} {}", provider, outcome, error);
    }

    /**
     * A deployment's circuitBreaker fell back inside a tier: record why, then throw so that the tier's
     * failover loadBalance passes on to its next deployment (or, when none is left, the step falls back).
     */
    public void passOver(Exchange exchange, String deployment) {
        Throwable caught = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        fellBack(exchange, deployment);
        throw new TierPassOverException(deployment, caught);
    }

    /** Every deployment of a tier is out; the chain's next step follows (each was recorded by passOver). */
    public void tierOut(Exchange exchange, String tier) {
        LOG.debug("Tier {} is out: the chain falls back to its next step", tier);
    }

    /** Thrown inside a tier to move to the next deployment; no stack trace (an expected condition). */
    public static final class TierPassOverException extends RuntimeException {
        TierPassOverException(String deployment, Throwable cause) {
            super(deployment + " passed over" + (cause == null ? " (breaker refused the call)" : ": " + cause.getMessage()),
                    cause, false, false);
        }
    }

    /** The last fallback of a chain: the body becomes the 503 result listing every provider tried. */
    public void allFailed(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        AttemptLog log = gateway.attempts();
        AnswerStream answer = AnswerStream.of(gateway);
        boolean abandoned = answer != null && answer.abandoned() != null;
        Object ruled = abandoned ? null : rules.chainAnswer(gateway);
        if (ruled != null) {
            // an error that does not fall back, a context window nobody could take, or the last refusal (an
            // answer read whole: it goes out through the answer stream as any whole answer does)
            if (ruled instanceof dev.aigateway.api.ChatResult refusal && answer != null) {
                ruled = dev.aigateway.stream.ProviderStream.relayWhole(answer, providers.get(refusal.provider()).settings(),
                        refusal, 0, System.nanoTime());
            }
            exchange.getMessage().setBody(ruled);
            return;
        }
        if (tryUnhealthyLast && log != null && !abandoned && tryUnhealthy(exchange, log)) {
            return;
        }
        String chain = gateway.chain() == null ? "?" : gateway.chain();
        if (gateway.deadlinePassed() && !abandoned) {
            AllProvidersFailed late = AllProvidersFailed.deadlineExceeded(chain, log == null ? java.util.List.of() : log.attempts());
            LOG.warn("{}", late.summary());
            exchange.getMessage().setBody(late);
            return;
        }
        long retryAfterMs = abandoned || log == null ? -1 : allCoolingDown(log);
        // the wait for a cooldown never outlasts the request's deadline
        if (retryAfterMs > 0 && retryAfterMs <= waitForCooldownMaxMs && retryAfterMs < gateway.remainingMs() && waitForCooldown(exchange, log, retryAfterMs)) {
            return;
        }
        AllProvidersFailed failed = new AllProvidersFailed(chain, log == null ? java.util.List.of() : log.attempts(),
                retryAfterMs);
        if (abandoned) {
            LOG.info("Answer ends without a takeover: {}", answer.abandoned());
        } else {
            LOG.warn("{}", failed.summary());
        }
        exchange.getMessage().setBody(failed);
    }

    /** When every provider tried is cooling down: ms until the first may be called again; else -1. */
    private long allCoolingDown(AttemptLog log) {
        long earliest = Long.MAX_VALUE;
        for (Attempt a : log.attempts()) {
            long remaining = cooldowns.remainingMs(a.provider());
            if (remaining <= 0) {
                return -1;
            }
            earliest = Math.min(earliest, remaining);
        }
        return earliest == Long.MAX_VALUE ? -1 : earliest;
    }

    /**
     * Every provider is cooling down and the first is free within gateway.wait-for-cooldown-max: the request
     * waits for it (the only time a request sleeps) and tries it once, outside its breaker.
     */
    private boolean waitForCooldown(Exchange exchange, AttemptLog log, long waitMs) {
        String first = log.attempts().stream().map(Attempt::provider).distinct()
                .min(java.util.Comparator.comparingLong(cooldowns::remainingMs)).orElse(null);
        if (first == null) {
            return false;
        }
        try {
            Thread.sleep(cooldowns.remainingMs(first) + 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return callOutsideBreaker(exchange, first, false);
    }

    /**
     * health.mode=try-last: the providers skipped as unhealthy get one more chance, in chain order, before
     * the request fails. These calls go straight to the provider route, outside its breaker.
     */
    private boolean tryUnhealthy(Exchange exchange, AttemptLog log) {
        List<String> skipped = log.attempts().stream().filter(a -> "unhealthy".equals(a.outcome()))
                .map(Attempt::provider).toList();
        for (String provider : skipped) {
            if (callOutsideBreaker(exchange, provider, true)) {
                return true;
            }
        }
        return false;
    }

    /** One call straight to the provider route (its breaker has had its say); true when it answered. */
    private boolean callOutsideBreaker(Exchange exchange, String provider, boolean bypassHealth) {
        Exchange attempt = exchange.copy();
        if (bypassHealth) {
            attempt.setProperty(HEALTH_BYPASS, true);
        }
        attempt.setException(null);
        template.send("direct:provider-" + provider, attempt);
        if (attempt.getException() == null) {
            exchange.getMessage().setBody(attempt.getMessage().getBody());
            return true;
        }
        exchange.setProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, attempt.getException());
        fellBack(exchange, provider);
        return false;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}

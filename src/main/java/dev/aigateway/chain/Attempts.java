package dev.aigateway.chain;

import java.net.ConnectException;
import java.net.SocketTimeoutException;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.AllProvidersFailed;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Providers;

/**
 * Named in the chain routes' {@code onFallback}: records why a provider was left behind, and builds the
 * "all providers failed" result at the end of a chain.
 */
public class Attempts {
    private static final Logger LOG = LoggerFactory.getLogger(Attempts.class);

    private final Providers providers;
    private final GatewayMetrics metrics;

    public Attempts(Providers providers, GatewayMetrics metrics) {
        this.providers = providers;
        this.metrics = metrics;
    }

    /** The breaker for {@code provider} fell back: record what happened (error, timeout, breaker open, skipped). */
    public void fellBack(Exchange exchange, String provider) {
        AttemptLog log = exchange.getProperty(AttemptLog.PROPERTY, AttemptLog.class);
        Throwable caught = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        String outcome;
        int status = 0;
        String error;
        if (caught instanceof ProviderFailedException f) {
            outcome = f.outcome();
            status = f.status();
            error = f.getMessage();
        } else if (caught instanceof ProviderSkippedException s) {
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
        long latency = log == null ? 0 : log.finish(provider, outcome, status, error);
        boolean called = !(caught == null || caught instanceof ProviderSkippedException);
        metrics.attempt(provider, providers.get(provider).settings().model(), outcome, latency, called);
        LOG.debug("Provider {} fell back: {} {}", provider, outcome, error);
    }

    /** The last fallback of a chain: the body becomes the 503 result listing every provider tried. */
    public void allFailed(Exchange exchange) {
        AttemptLog log = exchange.getProperty(AttemptLog.PROPERTY, AttemptLog.class);
        String chain = exchange.getProperty(LiveChains.CHAIN, "?", String.class);
        AllProvidersFailed failed = new AllProvidersFailed(chain, log == null ? java.util.List.of() : log.attempts());
        LOG.warn("{}", failed.summary());
        exchange.getMessage().setBody(failed);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}

package dev.aigateway.request;

import java.util.ArrayList;
import java.util.List;

import dev.aigateway.api.Attempt;

/**
 * The providers tried for one request, in order. It lives in the {@link GatewayRequest}, shared by
 * reference with the copies the circuit breakers make, so the provider routes and the fallbacks write
 * into the same log. Only the request's own thread touches it.
 */
public final class AttemptLog {
    private final List<Attempt> attempts = new ArrayList<>(3);
    private final long startNanos = System.nanoTime();
    private String openProvider;
    private long openSinceNanos;

    /** A call to this provider starts now. */
    public void begin(String provider) {
        openProvider = provider;
        openSinceNanos = System.nanoTime();
    }

    /** Records the call started by {@link #begin}; returns its latency. {@code error} comes masked (chain.Secrets). */
    public long finish(String provider, String outcome, int status, String error) {
        long latency = provider.equals(openProvider) ? (System.nanoTime() - openSinceNanos) / 1_000_000 : 0;
        openProvider = null;
        attempts.add(new Attempt(provider, outcome, status, latency, error));
        return latency;
    }

    /** When the open call started (System.nanoTime). */
    public long callStartedNanos() {
        return openSinceNanos;
    }

    public List<Attempt> attempts() {
        return attempts;
    }

    /** Provider names in the order tried, for the x-gateway-attempts header. */
    public String names() {
        StringBuilder sb = new StringBuilder();
        for (Attempt a : attempts) {
            sb.append(sb.isEmpty() ? "" : ",").append(a.provider());
        }
        return sb.toString();
    }

    /** Time spent waiting on providers, over every attempt. */
    public long upstreamMs() {
        long sum = 0;
        for (Attempt a : attempts) {
            sum += a.latencyMs();
        }
        return sum;
    }

    public long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}

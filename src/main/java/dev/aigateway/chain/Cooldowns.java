package dev.aigateway.chain;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Providers that asked us to back off (429 with Retry-After, exhausted quota, or a 429 without one): they
 * stay out of every chain until then, without spending their breaker's budget or the client's time.
 */
public final class Cooldowns {
    private static final Logger LOG = LoggerFactory.getLogger(Cooldowns.class);
    private final Map<String, Long> untilMillis = new ConcurrentHashMap<>();
    /** 429s without Retry-After in a row, per provider: each doubles the next cooldown. */
    private final Map<String, Integer> strikes = new ConcurrentHashMap<>();
    private final long rateLimitBaseMs;
    private final long rateLimitMaxMs;
    /** Where a cooldown the provider asked for is told to the other instances (the health topic); null: nowhere. */
    private volatile Shared shared;

    /** Tells the other instances of a cooldown a provider asked for. */
    @FunctionalInterface
    public interface Shared {
        void learnt(String provider, long untilEpochMillis, String why);
    }

    /** @param rateLimitBaseMs first cooldown after a 429 without Retry-After; it doubles up to rateLimitMaxMs */
    public Cooldowns(long rateLimitBaseMs, long rateLimitMaxMs) {
        this.rateLimitBaseMs = rateLimitBaseMs;
        this.rateLimitMaxMs = rateLimitMaxMs;
    }

    /** Throws {@link ProviderSkippedException} while the provider is cooling down. */
    public void check(String provider) {
        Long until = untilMillis.get(provider);
        if (until != null) {
            if (System.currentTimeMillis() < until) {
                throw new ProviderSkippedException(provider, "cooling_down",
                        "cooling down until " + Instant.ofEpochMilli(until));
            }
            untilMillis.remove(provider, until);
        }
    }

    public void coolDown(String provider, long millis, String why) {
        if (millis <= 0) {
            return;
        }
        long until = System.currentTimeMillis() + millis;
        Long previous = untilMillis.put(provider, until);
        if (previous == null || previous < System.currentTimeMillis()) {
            LOG.warn("Provider {} is out of all chains for {} ms ({}); requests go to the next provider", provider,
                    millis, why);
        }
    }

    /** With Kafka on: cooldowns from {@link #coolDownShared} go to the other instances through {@code to}. */
    public void share(Shared to) {
        this.shared = to;
    }

    /**
     * A cooldown the provider itself asked for (Retry-After, exhausted quota): it holds for its account, so
     * every instance honours it — this one now, the others when they read it from the health topic.
     */
    public void coolDownShared(String provider, long millis, String why) {
        coolDown(provider, millis, why);
        Shared to = shared;
        if (to != null && millis > 0) {
            to.learnt(provider, System.currentTimeMillis() + millis, why);
        }
    }

    /**
     * A cooldown another instance learnt (already checked by the reader): the provider stays out until then,
     * unless it already does for longer. Not shared again.
     */
    public void adopt(String provider, long untilEpochMillis, String why) {
        long now = System.currentTimeMillis();
        if (untilEpochMillis <= now) {
            return;
        }
        Long before = untilMillis.get(provider);
        untilMillis.merge(provider, untilEpochMillis, Math::max);
        if (before == null || before < now) {
            LOG.warn("Provider {} is out of all chains for {} ms ({}); requests go to the next provider", provider,
                    untilEpochMillis - now, why);
        }
    }

    /**
     * A 429 that did not say how long to wait: base, 2×base, 4×base … up to the maximum, each drawn between
     * half and all of it (jitter), so that instances and chains do not come back in step.
     */
    public long rateLimited(String provider) {
        int n = strikes.merge(provider, 1, Integer::sum);
        long ceiling = Math.min(rateLimitMaxMs, rateLimitBaseMs << Math.min(n - 1, 30));
        long ms = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        coolDown(provider, ms, "HTTP 429 without Retry-After, " + n + " in a row: exponential cooldown with jitter");
        return ms;
    }

    /** The provider answered: its next 429 starts from the base cooldown again. */
    public void succeeded(String provider) {
        if (!strikes.isEmpty()) {
            strikes.remove(provider);
        }
    }

    /** Milliseconds until the provider may be called again; 0 when it may now. */
    public long remainingMs(String provider) {
        Long until = untilMillis.get(provider);
        return until == null ? 0 : Math.max(0, until - System.currentTimeMillis());
    }

    /** Forgets every cooldown (an operator's reset; tests start clean with it). */
    public void clear() {
        untilMillis.clear();
        strikes.clear();
    }
}

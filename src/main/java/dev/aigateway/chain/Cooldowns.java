package dev.aigateway.chain;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Providers that asked us to back off (429 with Retry-After, exhausted quota): they stay out of every
 * chain until then, without spending their breaker's budget or the client's time.
 */
public final class Cooldowns {
    private static final Logger LOG = LoggerFactory.getLogger(Cooldowns.class);
    private final Map<String, Long> untilMillis = new ConcurrentHashMap<>();

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

    /** Forgets every cooldown (an operator's reset; tests start clean with it). */
    public void clear() {
        untilMillis.clear();
    }
}

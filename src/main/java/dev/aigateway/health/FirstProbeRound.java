package dev.aigateway.health;

import java.util.Map;
import java.util.TreeSet;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code gateway/provider-probes} at /observe/health: DOWN until this instance has probed
 * every provider once. Until then all it knows of the providers are records on the health topic, which
 * may be another run's; after that its own results are the newest.
 */
public final class FirstProbeRound implements HealthCheck {
    private final ProviderHealth health;
    private volatile boolean enabled = true;

    public FirstProbeRound(ProviderHealth health) {
        this.health = health;
    }

    @Override
    public String getGroup() {
        return "gateway";
    }

    @Override
    public String getId() {
        return "provider-probes";
    }

    @Override
    public boolean isLiveness() {
        return false; // not probed yet is no reason to restart the process
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public Result call(Map<String, Object> options) {
        HealthCheckResultBuilder result = HealthCheckResultBuilder.on(this);
        if (health.firstRoundDone()) {
            return result.up().message("every provider probed by this instance").build();
        }
        return result.down().message("waiting for this instance's first probe of " + new TreeSet<>(health.notYetProbed()))
                .build();
    }
}

package dev.aigateway.health;

import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * A readiness check {@code gateway/<id>} at /observe/health that is DOWN until something this instance must
 * know before it serves has been learnt at start-up (its first probe of every provider, the cluster's key
 * usage, the stored replies). Readiness only: not knowing yet is no reason to restart the process.
 */
public final class StartupReadiness implements HealthCheck {
    private final String id;
    private final BooleanSupplier ready;
    private final String upMessage;
    private final Supplier<String> downMessage;
    private volatile boolean enabled = true;

    public StartupReadiness(String id, BooleanSupplier ready, String upMessage, Supplier<String> downMessage) {
        this.id = id;
        this.ready = ready;
        this.upMessage = upMessage;
        this.downMessage = downMessage;
    }

    @Override
    public String getGroup() {
        return "gateway";
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public boolean isLiveness() {
        return false;
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
        return ready.getAsBoolean() ? result.up().message(upMessage).build()
                : result.down().message(downMessage.get()).build();
    }
}

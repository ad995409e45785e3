package dev.aigateway.idempotency;

import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code gateway/idempotency-store} at /observe/health: DOWN until this instance has read
 * the stored replies (gateway.idempotency.topic) up to the end offsets it saw at start. Before that it
 * could answer again a request another instance already answered.
 */
public final class StoreReadiness implements HealthCheck {
    private final StoredReplies store;
    private volatile boolean enabled = true;

    public StoreReadiness(StoredReplies store) {
        this.store = store;
    }

    @Override
    public String getGroup() {
        return "gateway";
    }

    @Override
    public String getId() {
        return "idempotency-store";
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
        return store.caughtUp() ? result.up().message("stored replies read").build()
                : result.down().message("reading the stored replies").build();
    }
}

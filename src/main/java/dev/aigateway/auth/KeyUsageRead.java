package dev.aigateway.auth;

import java.util.Map;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

/**
 * Readiness check {@code gateway/key-usage} at /observe/health: DOWN until this instance has read the
 * key-usage topic to its end. Until then it knows neither its own counts from before a restart nor the
 * other instances', so budgets and rpm could not hold; keyed requests get 503 gateway_starting (HTTP) or wait
 * (Kafka).
 */
public final class KeyUsageRead implements HealthCheck {
    private final KeyUsageTopic topic;
    private volatile boolean enabled = true;

    public KeyUsageRead(KeyUsageTopic topic) {
        this.topic = topic;
    }

    @Override
    public String getGroup() {
        return "gateway";
    }

    @Override
    public String getId() {
        return "key-usage";
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
        return topic.restored() ? result.up().message("key usage of every instance read").build()
                : result.down().message("reading the key usage of every instance (gateway.kafka.key-usage-topic)").build();
    }
}

package dev.aigateway.chain;

import java.time.Duration;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.stream.StreamAbandonedException;

/**
 * One resilience4j breaker per provider, shared by every chain that names it and kept across route
 * reloads (a breaker defined inline in a route would be reset by each reload).
 */
public final class Breakers {
    private static final Logger LOG = LoggerFactory.getLogger(Breakers.class);
    private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    private final GatewayMetrics metrics;

    public Breakers(GatewayMetrics metrics) {
        this.metrics = metrics;
        // resilience4j's own meters (state, calls, failure rate) come from camel-resilience4j-micrometer, which
        // binds the CircuitBreakerRegistry it finds in Camel's registry: this one (GatewayBeans binds it)
    }

    public CircuitBreaker create(ProviderSettings provider) {
        ProviderSettings.BreakerSettings b = provider.breaker();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .failureRateThreshold(b.failureRateThreshold())
                .slidingWindowSize(b.slidingWindowSize())
                .minimumNumberOfCalls(b.minimumNumberOfCalls())
                .waitDurationInOpenState(Duration.ofMillis(b.waitInOpenStateMs()))
                .permittedNumberOfCallsInHalfOpenState(b.permittedCallsInHalfOpenState())
                .ignoreExceptions(ProviderSkippedException.class, StreamAbandonedException.class, ProviderDeclinedException.class)
                // an open breaker refuses every call with a CallNotPermittedException: an expected outcome, whose
                // stack trace would be filled in for each request on the dead-primary path and never read
                .writableStackTraceEnabled(false)
                .build();
        CircuitBreaker breaker = registry.circuitBreaker(provider.name(), config);
        breaker.getEventPublisher().onStateTransition(e -> metrics.breakerTransition(e.getCircuitBreakerName(),
                e.getStateTransition().getFromState().name(), e.getStateTransition().getToState().name()));
        breaker.getEventPublisher().onStateTransition(e -> LOG.warn("Circuit breaker {}: {} (failure rate {}% of last {} calls)",
                e.getCircuitBreakerName(), e.getStateTransition(), breaker.getMetrics().getFailureRate(),
                breaker.getMetrics().getNumberOfBufferedCalls()));
        return breaker;
    }

    public CircuitBreakerRegistry registry() {
        return registry;
    }
}

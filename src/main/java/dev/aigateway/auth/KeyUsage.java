package dev.aigateway.auth;

import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;

/**
 * One key's account: its requests-per-minute limiter (resilience4j, a fresh window every minute), and
 * requests, tokens and spend, the spend per calendar month (UTC).
 */
final class KeyUsage {
    private final String id;
    private final LongAdder requests = new LongAdder();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder completionTokens = new LongAdder();
    /** Requests charged with estimated tokens (a stream cut or left before its provider reported usage). */
    private final LongAdder estimated = new LongAdder();
    private AtomicRateLimiter limiter;
    private int limiterRpm;
    private YearMonth month = YearMonth.now(ZoneOffset.UTC);
    private double monthSpend;
    private double totalSpend;

    KeyUsage(String id) {
        this.id = id;
    }

    /** -1 when a request may go now, else the ms until the next minute's window opens. */
    synchronized long tryAcquire(int rpm) {
        if (rpm <= 0) {
            return -1;
        }
        if (limiter == null || limiterRpm != rpm) {
            // the limit was changed in the keys file: a fresh window with the new limit
            limiter = (AtomicRateLimiter) RateLimiter.of("key-" + id, RateLimiterConfig.custom()
                    .limitForPeriod(rpm).limitRefreshPeriod(Duration.ofMinutes(1)).timeoutDuration(Duration.ZERO).build());
            limiterRpm = rpm;
        }
        if (limiter.acquirePermission()) {
            return -1;
        }
        return Math.max(0, limiter.getDetailedMetrics().getNanosToWait() / 1_000_000);
    }

    synchronized void add(long prompt, long completion, double costUsd, boolean estimatedTokens) {
        requests.increment();
        if (estimatedTokens) {
            estimated.increment();
        }
        promptTokens.add(prompt);
        completionTokens.add(completion);
        rollMonth();
        monthSpend += costUsd;
        totalSpend += costUsd;
    }

    synchronized double spentThisMonth() {
        rollMonth();
        return monthSpend;
    }

    synchronized void describe(ObjectNode n) {
        rollMonth();
        n.put("requests", requests.sum()).put("prompt_tokens", promptTokens.sum())
                .put("completion_tokens", completionTokens.sum()).put("estimated_requests", estimated.sum())
                .put("cost_usd", totalSpend)
                .put("month", month.toString()).put("month_cost_usd", monthSpend);
    }

    private void rollMonth() {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        if (!now.equals(month)) {
            month = now;
            monthSpend = 0;
        }
    }
}

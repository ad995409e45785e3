package dev.aigateway.auth;

import java.time.YearMonth;
import java.time.ZoneOffset;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One key's account on this instance: requests, tokens and spend, in total and for the calendar month
 * (UTC), and the requests admitted in the last 60 seconds (the requests-per-minute window).
 * <p>
 * The rpm window slides over 60 one-second buckets instead of a resilience4j RateLimiter: a limiter's
 * permits cannot be added up across instances, these buckets can (they are published on the key-usage
 * topic with the totals, see {@link KeyUsageTopic}).
 */
final class KeyUsage {
    static final int WINDOW_S = 60;

    /** What one instance has counted for one key (its own, or another instance's as last published). */
    record Totals(YearMonth month, long monthRequests, long monthPromptTokens, long monthCompletionTokens,
            long monthEstimated, double monthCostUsd, long requests, long promptTokens, long completionTokens,
            long estimated, double costUsd, long[] windowSeconds, long[] windowCounts) {

        static final Totals ZERO = new Totals(YearMonth.of(2000, 1), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, new long[0],
                new long[0]);

        /** Requests admitted in the window ending at {@code nowSecond} (epoch seconds). */
        long inWindow(long nowSecond) {
            long n = 0;
            for (int i = 0; i < windowSeconds.length; i++) {
                if (windowSeconds[i] > nowSecond - WINDOW_S && windowSeconds[i] <= nowSecond) {
                    n += windowCounts[i];
                }
            }
            return n;
        }

        /** The oldest second of the window with a request in it; Long.MAX_VALUE when none. */
        long oldestInWindow(long nowSecond) {
            long oldest = Long.MAX_VALUE;
            for (int i = 0; i < windowSeconds.length; i++) {
                if (windowSeconds[i] > nowSecond - WINDOW_S && windowCounts[i] > 0) {
                    oldest = Math.min(oldest, windowSeconds[i]);
                }
            }
            return oldest;
        }
    }

    private final String id;
    private long requests;
    private long promptTokens;
    private long completionTokens;
    /** Requests charged with estimated tokens (a stream cut or left before its provider reported usage). */
    private long estimated;
    private double totalSpend;
    private YearMonth month = YearMonth.now(ZoneOffset.UTC);
    private long monthRequests;
    private long monthPrompt;
    private long monthCompletion;
    private long monthEstimated;
    private double monthSpend;
    /** Admitted requests per epoch second, bucket = second % 60 (bucketSecond says which second it holds). */
    private final long[] bucketSecond = new long[WINDOW_S];
    private final long[] bucketCount = new long[WINDOW_S];
    /** Bumped by every change: the publisher sends a key only when it changed since its last record. */
    private long version;

    KeyUsage(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }

    /**
     * -1 when a request may go now (it is counted in the window), else the ms until one may.
     *
     * @param others the other instances' totals for this key (their windows count too); ZERO alone
     */
    synchronized long tryAcquire(int rpm, Totals others, long nowMillis) {
        long now = nowMillis / 1000;
        Totals mine = rpm <= 0 ? null : windowOnly(now);
        // without a limit the window is still counted: the admin API shows it, and a limit set later starts from it
        if (rpm <= 0 || mine.inWindow(now) + others.inWindow(now) < rpm) {
            int b = (int) Math.floorMod(now, (long) WINDOW_S);
            if (bucketSecond[b] != now) {
                bucketSecond[b] = now;
                bucketCount[b] = 0;
            }
            bucketCount[b]++;
            version++;
            return -1;
        }
        // the oldest request of the window leaves it at oldest + 60 s
        long oldest = Math.min(mine.oldestInWindow(now), others.oldestInWindow(now));
        return oldest == Long.MAX_VALUE ? 1000 : Math.max(0, (oldest + WINDOW_S) * 1000 - nowMillis);
    }

    synchronized void add(long prompt, long completion, double costUsd, boolean estimatedTokens) {
        rollMonth();
        requests++;
        monthRequests++;
        if (estimatedTokens) {
            estimated++;
            monthEstimated++;
        }
        promptTokens += prompt;
        completionTokens += completion;
        monthPrompt += prompt;
        monthCompletion += completion;
        monthSpend += costUsd;
        totalSpend += costUsd;
        version++;
    }

    synchronized double spentThisMonth() {
        rollMonth();
        return monthSpend;
    }

    synchronized long version() {
        return version;
    }

    /** This instance's counts now (the window: its last 60 s). */
    synchronized Totals totals(long nowMillis) {
        rollMonth();
        Totals w = windowOnly(nowMillis / 1000);
        return new Totals(month, monthRequests, monthPrompt, monthCompletion, monthEstimated, monthSpend, requests,
                promptTokens, completionTokens, estimated, totalSpend, w.windowSeconds(), w.windowCounts());
    }

    /**
     * Takes over what this instance had counted before a restart (its last record on the key-usage topic):
     * all-time counts always, the month's only when it is still that month, the window's recent seconds.
     */
    synchronized void restore(Totals t, long nowMillis) {
        rollMonth();
        requests += t.requests();
        promptTokens += t.promptTokens();
        completionTokens += t.completionTokens();
        estimated += t.estimated();
        totalSpend += t.costUsd();
        if (month.equals(t.month())) {
            monthRequests += t.monthRequests();
            monthPrompt += t.monthPromptTokens();
            monthCompletion += t.monthCompletionTokens();
            monthEstimated += t.monthEstimated();
            monthSpend += t.monthCostUsd();
        }
        long now = nowMillis / 1000;
        for (int i = 0; i < t.windowSeconds().length; i++) {
            long s = t.windowSeconds()[i];
            if (s > now - WINDOW_S && s <= now) {
                int b = (int) Math.floorMod(s, (long) WINDOW_S);
                if (bucketSecond[b] != s) {
                    bucketSecond[b] = s;
                    bucketCount[b] = 0;
                }
                bucketCount[b] += t.windowCounts()[i];
            }
        }
        version++;
    }

    /** Writes {@code t} as the admin API shows usage. */
    static void describe(Totals t, ObjectNode n, long nowMillis) {
        n.put("requests", t.requests()).put("prompt_tokens", t.promptTokens())
                .put("completion_tokens", t.completionTokens()).put("estimated_requests", t.estimated())
                .put("cost_usd", t.costUsd())
                .put("month", t.month().toString()).put("month_requests", t.monthRequests())
                .put("month_cost_usd", t.monthCostUsd())
                .put("requests_last_minute", t.inWindow(nowMillis / 1000));
    }

    /** Own totals plus others' (only their records of the current month count for the month's fields). */
    static Totals sum(Totals a, Totals b) {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        boolean am = now.equals(a.month());
        boolean bm = now.equals(b.month());
        long[] s = new long[a.windowSeconds().length + b.windowSeconds().length];
        long[] c = new long[s.length];
        System.arraycopy(a.windowSeconds(), 0, s, 0, a.windowSeconds().length);
        System.arraycopy(b.windowSeconds(), 0, s, a.windowSeconds().length, b.windowSeconds().length);
        System.arraycopy(a.windowCounts(), 0, c, 0, a.windowCounts().length);
        System.arraycopy(b.windowCounts(), 0, c, a.windowCounts().length, b.windowCounts().length);
        return new Totals(now, (am ? a.monthRequests() : 0) + (bm ? b.monthRequests() : 0),
                (am ? a.monthPromptTokens() : 0) + (bm ? b.monthPromptTokens() : 0),
                (am ? a.monthCompletionTokens() : 0) + (bm ? b.monthCompletionTokens() : 0),
                (am ? a.monthEstimated() : 0) + (bm ? b.monthEstimated() : 0),
                (am ? a.monthCostUsd() : 0) + (bm ? b.monthCostUsd() : 0), a.requests() + b.requests(),
                a.promptTokens() + b.promptTokens(), a.completionTokens() + b.completionTokens(),
                a.estimated() + b.estimated(), a.costUsd() + b.costUsd(), s, c);
    }

    /** The window's live buckets as a Totals carrying only them. */
    private Totals windowOnly(long now) {
        int n = 0;
        for (int i = 0; i < WINDOW_S; i++) {
            if (bucketSecond[i] > now - WINDOW_S && bucketSecond[i] <= now && bucketCount[i] > 0) {
                n++;
            }
        }
        long[] s = new long[n];
        long[] c = new long[n];
        int j = 0;
        for (int i = 0; i < WINDOW_S; i++) {
            if (bucketSecond[i] > now - WINDOW_S && bucketSecond[i] <= now && bucketCount[i] > 0) {
                s[j] = bucketSecond[i];
                c[j++] = bucketCount[i];
            }
        }
        return new Totals(month, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, s, c);
    }

    private void rollMonth() {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        if (!now.equals(month)) {
            month = now;
            monthRequests = 0;
            monthPrompt = 0;
            monthCompletion = 0;
            monthEstimated = 0;
            monthSpend = 0;
            version++;
        }
    }
}

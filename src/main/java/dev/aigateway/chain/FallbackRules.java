package dev.aigateway.chain;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import dev.aigateway.api.ProviderRejection;
import dev.aigateway.config.SettingException;
import dev.aigateway.config.Settings;
import dev.aigateway.provider.UpstreamError;

/**
 * Which upstream errors make a chain go on (docs/failover.md "Fallback rules"): {@code gateway.fallback-on} and
 * {@code gateway.content-filter}, each overridable per provider, and every provider's context window.
 * A deployment ({@code openai.us}) reads {@code provider.openai.deployment.us.<key>}, then {@code provider.openai.<key>}.
 */
public final class FallbackRules {
    /** Today's policy: every failure that is not the request's own fault falls back. */
    public static final String DEFAULT_FALLBACK_ON = "5xx,4xx,timeout,connection,context_window";
    public static final String CONTEXT_WINDOW = "context_window";

    private record Policy(Set<String> on, boolean contentFallback, long contextWindow) {
    }

    private final Map<String, Policy> policies = new HashMap<>();
    private final Policy defaults;

    public FallbackRules(Function<String, String> property, Collection<String> providers) {
        Settings s = new Settings(property);
        String on = s.optional("gateway.fallback-on");
        Set<String> globalOn = parse("gateway.fallback-on", on == null || on.isBlank() ? DEFAULT_FALLBACK_ON : on);
        String cf = s.optional("gateway.content-filter");
        boolean globalContent = cf != null && !cf.isBlank() && "fallback".equals(s.oneOf("gateway.content-filter", "return", "fallback"));
        defaults = new Policy(globalOn, globalContent, 0);
        for (String name : providers) {
            String onKey = key(property, name, "fallback-on");
            String cfKey = key(property, name, "content-filter");
            String winKey = key(property, name, "context-window");
            Set<String> providerOn = onKey == null ? globalOn : parse(onKey, property.apply(onKey));
            boolean content = cfKey == null ? globalContent : "fallback".equals(s.oneOf(cfKey, "return", "fallback"));
            long window = winKey == null ? 0 : s.integer(winKey, 1, Integer.MAX_VALUE);
            policies.put(name, new Policy(providerOn, content, window));
        }
    }

    /** The key actually set for this provider (its deployment's own first), or null when neither is set. */
    private static String key(Function<String, String> property, String name, String suffix) {
        int dot = name.indexOf('.');
        String[] keys = dot < 0 ? new String[] { "provider." + name + "." + suffix }
                : new String[] { "provider." + name.substring(0, dot) + ".deployment." + name.substring(dot + 1) + "." + suffix,
                        "provider." + name.substring(0, dot) + "." + suffix };
        for (String k : keys) {
            String v = property.apply(k);
            if (v != null && !v.isBlank()) {
                return k;
            }
        }
        return null;
    }

    private static Set<String> parse(String key, String value) {
        Set<String> on = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            String t = part.trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("[45]xx|[45]\\d\\d|timeout|connection|" + CONTEXT_WINDOW)) {
                throw new SettingException(key + ": '" + part.trim() + "' is not a fallback class (a status such as 429, "
                        + "4xx, 5xx, timeout, connection, context_window)");
            }
            on.add(t);
        }
        return Set.copyOf(on);
    }

    private Policy policy(String provider) {
        return policies.getOrDefault(provider, defaults);
    }

    /** True when an error of this class (timeout, connection, context_window) makes the chain go on. */
    public boolean fallsBack(String provider, String errorClass) {
        return policy(provider).on().contains(errorClass);
    }

    /** True when an upstream answer with this status (not the request's fault) makes the chain go on. */
    public boolean fallsBackOnStatus(String provider, int status) {
        Set<String> on = policy(provider).on();
        return on.contains(String.valueOf(status)) || on.contains(status / 100 + "xx");
    }

    /** content-filter = fallback: a refusal makes the chain go on (the client gets the last one if all refuse). */
    public boolean contentFilterFallsBack(String provider) {
        return policy(provider).contentFallback();
    }

    /** provider.<name>.context-window in tokens; 0 when not configured (never skipped for size). */
    public long contextWindow(String provider) {
        return policy(provider).contextWindow();
    }

    /**
     * True when this provider cannot take a prompt of {@code tokens} (its window is known and not larger).
     * Used with the window that overflowed upstream; a prompt token count (estimated before any call) fits too.
     */
    public boolean windowTooSmall(String provider, long tokens) {
        long window = contextWindow(provider);
        return tokens > 0 && window > 0 && window <= tokens;
    }

    /** The provider among these with the largest configured context window, or null when none has one. */
    public String largestWindow(Collection<String> providers) {
        String best = null;
        for (String p : providers) {
            if (contextWindow(p) > 0 && (best == null || contextWindow(p) > contextWindow(best))) {
                best = p;
            }
        }
        return best;
    }

    /** The upstream error says the prompt does not fit the model's context window (OpenAI, Anthropic, DeepSeek, Gemini). */
    public static boolean isContextOverflow(UpstreamError e) {
        if ("context_length_exceeded".equals(e.code())) {
            return true;
        }
        String m = e.message() == null ? "" : e.message().toLowerCase(Locale.ROOT);
        return m.contains("maximum context length") || m.contains("prompt is too long")
                || m.contains("context window") || m.contains("exceeds the maximum number of tokens");
    }

    /** The upstream error is a content-policy refusal (OpenAI/Azure content_filter, content_policy_violation). */
    public static boolean isContentFilter(UpstreamError e) {
        return "content_filter".equals(e.code()) || "content_policy_violation".equals(e.code())
                || "content_policy_violation".equals(e.type());
    }

    /** A finish reason that is a refusal (OpenAI/Azure content_filter; Anthropic's refusal arrives mapped to it). */
    public static boolean isRefusal(String finishReason) {
        return "content_filter".equals(finishReason) || "refusal".equals(finishReason);
    }

    /** Outcome of a step not called because the chain stopped at an error that does not fall back (not recorded). */
    public static final String STOPPED = "chain_stopped";

    /** Before a call: skips a step after a stop, or one whose window is not larger than the one that overflowed. */
    static void checkStep(FallbackRules rules, dev.aigateway.request.GatewayRequest gateway, String name) {
        if (gateway.stoppedWith() != null) {
            throw new ProviderSkippedException(name, STOPPED, "the chain stopped at an error that does not fall back");
        }
        long overflowed = gateway.overflowedWindow();
        if (rules.windowTooSmall(name, overflowed)) {
            throw new ProviderSkippedException(name, "context_too_small", "context window " + rules.contextWindow(name)
                    + " tokens is not larger than the " + overflowed + " the request overflowed");
        }
        // known before any call: a prompt longer than this step's window is not sent to it
        long window = rules.contextWindow(name);
        if (gateway.promptExceeds(window)) {
            gateway.overflowed(Math.min(window, gateway.promptTokens()));
            throw new ProviderSkippedException(name, "context_too_small", "the prompt is " + gateway.promptTokens()
                    + " tokens (" + dev.aigateway.api.PromptTokens.ENCODING_NAME + "), the context window " + window);
        }
    }

    /** After a timeout or connection failure left out of fallback-on: the chain stops with a 504 / 502 for the client. */
    static void stopIfNotFallingBack(FallbackRules rules, dev.aigateway.request.GatewayRequest gateway, String provider,
            String outcome, String error) {
        String errorClass = "timeout".equals(outcome) ? "timeout"
                : "connection_refused".equals(outcome) || "connection_error".equals(outcome) ? "connection" : null;
        if (errorClass != null && !rules.fallsBack(provider, errorClass) && gateway.stoppedWith() == null) {
            boolean timeout = "timeout".equals(errorClass);
            gateway.stopWith(new ProviderRejection(provider, timeout ? 504 : 502, "upstream_error", outcome, null,
                    provider + (timeout ? " gave no answer in time: " : " could not be reached: ") + error));
        }
    }

    /**
     * What the client gets when a chain ends without an answer, instead of the 503: the error that stopped it,
     * a 400 context_length_exceeded when only windows too small were left, or the last content refusal; else null.
     */
    Object chainAnswer(dev.aigateway.request.GatewayRequest gateway) {
        if (gateway.stoppedWith() != null) {
            return gateway.stoppedWith();
        }
        java.util.List<dev.aigateway.api.Attempt> attempts = gateway.attempts() == null ? java.util.List.of()
                : gateway.attempts().attempts();
        boolean onlyWindows = !attempts.isEmpty() && attempts.stream().allMatch(a ->
                "context_window_exceeded".equals(a.outcome()) || "context_too_small".equals(a.outcome()));
        if (gateway.overflowedWindow() > 0 && onlyWindows) {
            String largest = largestWindow(attempts.stream().map(dev.aigateway.api.Attempt::provider).distinct().toList());
            String chain = gateway.chain() == null ? "?" : gateway.chain();
            return new ProviderRejection(largest == null ? attempts.get(0).provider() : largest, 400, "invalid_request_error",
                    "context_length_exceeded", "messages", "The request does not fit the context window of any provider "
                    + "of chain '" + chain + "'" + (largest == null ? "" : ": the largest configured is "
                    + contextWindow(largest) + " tokens (" + largest + ")") + ". Shorten the messages.");
        }
        return gateway.lastRefusal();
    }
}

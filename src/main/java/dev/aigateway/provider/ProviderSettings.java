package dev.aigateway.provider;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything configured for one provider ({@code provider.<name>.*}), read once at start-up.
 * {@code baseUrl} is written as the vendor's SDK writes it; {@code api} picks the adapter.
 * {@code assistantPrefill}: the model continues a trailing assistant message (Anthropic's prefill; newer
 * Claude models refuse it), so a cut answer is continued that way; default true for the anthropic API only.
 */
public record ProviderSettings(String name, String api, String baseUrl, String model, int maxTokens,
        double inputPricePerMTok, double outputPricePerMTok, long timeoutMs, String apiKeyEnv, String apiKeyFile,
        String healthPath, BreakerSettings breaker, boolean assistantPrefill) {

    /** Sliding-window failure-rate breaker, per provider; unset keys fall back to {@code breaker.*}. */
    public record BreakerSettings(float failureRateThreshold, int slidingWindowSize, int minimumNumberOfCalls,
            long waitInOpenStateMs, int permittedCallsInHalfOpenState) {
    }

    /** @param property looks a key up (env overrides included) and returns null when it is not set */
    public static ProviderSettings read(String name, Function<String, String> property) {
        String p = "provider." + name + ".";
        Function<String, String> required = key -> {
            String v = property.apply(p + key);
            if (v == null || v.isBlank()) {
                throw new IllegalStateException("Missing setting " + p + key + " (env "
                        + (p + key).toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_') + ")");
            }
            return v.trim();
        };
        Function<String, String> breakerKey = key -> {
            String v = property.apply(p + "breaker." + key);
            return v != null && !v.isBlank() ? v.trim() : required(property, "breaker." + key);
        };
        String api = required.apply("api").toLowerCase(Locale.ROOT);
        return new ProviderSettings(name, api, stripSlash(required.apply("base-url")), required.apply("model"),
                Integer.parseInt(required.apply("max-tokens")),
                Double.parseDouble(required.apply("input-price-per-mtok")),
                Double.parseDouble(required.apply("output-price-per-mtok")),
                Durations.parseMillis(required.apply("timeout")),
                optional(property, p + "api-key-env"), optional(property, p + "api-key-file"),
                optional(property, p + "health-path"),
                new BreakerSettings(Float.parseFloat(breakerKey.apply("failure-rate-threshold")),
                        Integer.parseInt(breakerKey.apply("sliding-window-size")),
                        Integer.parseInt(breakerKey.apply("minimum-number-of-calls")),
                        Durations.parseMillis(breakerKey.apply("wait-in-open-state")),
                        Integer.parseInt(breakerKey.apply("permitted-calls-in-half-open-state"))),
                Boolean.parseBoolean(Objects.requireNonNullElse(optional(property, p + "assistant-prefill"),
                        String.valueOf("anthropic".equals(api)))));
    }

    /** USD for the tokens used, from the per-million-token prices. */
    public double cost(long promptTokens, long completionTokens) {
        return (promptTokens * inputPricePerMTok + completionTokens * outputPricePerMTok) / 1_000_000d;
    }

    private static String required(Function<String, String> property, String key) {
        String v = property.apply(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("Missing setting " + key);
        }
        return v.trim();
    }

    private static String optional(Function<String, String> property, String key) {
        String v = property.apply(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

package dev.aigateway.provider;

import java.util.function.DoublePredicate;
import java.util.function.Function;

import dev.aigateway.config.Settings;

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
        Settings s = new Settings(property);
        // a provider's own breaker.<key> wins over the shared breaker.<key>; errors name the key actually read
        Function<String, String> breakerKey = key -> s.optional(p + "breaker." + key) != null ? p + "breaker." + key
                : "breaker." + key;
        String api = s.oneOf(p + "api", "openai", "anthropic", "azure", "gemini", "bedrock");
        DoublePredicate notNegative = v -> v >= 0;
        String base = s.optional(p + "base-url");
        if ((base == null || base.isBlank()) && "bedrock".equals(api)) {
            // Bedrock's runtime endpoint follows from the region the requests are signed for
            base = "https://bedrock-runtime." + region(name, property) + ".amazonaws.com";
        }
        return new ProviderSettings(name, api, baseUrl(p + "base-url", base == null || base.isBlank()
                ? s.required(p + "base-url") : base), s.required(p + "model"),
                s.integer(p + "max-tokens", 1, Integer.MAX_VALUE),
                s.number(p + "input-price-per-mtok", "a number of USD, 0 or more", notNegative),
                s.number(p + "output-price-per-mtok", "a number of USD, 0 or more", notNegative),
                s.duration(p + "timeout", 1),
                s.optional(p + "api-key-env"), s.optional(p + "api-key-file"), s.optional(p + "health-path"),
                new BreakerSettings((float) s.number(breakerKey.apply("failure-rate-threshold"),
                        "a percentage above 0, at most 100", v -> v > 0 && v <= 100),
                        s.integer(breakerKey.apply("sliding-window-size"), 1, Integer.MAX_VALUE),
                        s.integer(breakerKey.apply("minimum-number-of-calls"), 1, Integer.MAX_VALUE),
                        s.duration(breakerKey.apply("wait-in-open-state"), 1),
                        s.integer(breakerKey.apply("permitted-calls-in-half-open-state"), 1, Integer.MAX_VALUE)),
                s.bool(p + "assistant-prefill", "anthropic".equals(api)));
    }

    /**
     * {@code provider.<name>.region} (a deployment's {@code provider.<p>.deployment.<d>.region} first, through the
     * layered {@code property}): required for the bedrock API, which signs for it and derives its endpoint from it.
     */
    public static String region(String name, Function<String, String> property) {
        String key = "provider." + name + ".region";
        String region = new Settings(property).optional(key);
        if (region == null || region.isBlank()) {
            int dot = name.indexOf('.');
            throw new dev.aigateway.config.SettingException(key + " is required for api bedrock (e.g. us-east-1): "
                    + "requests are signed for it and sent to bedrock-runtime.<region>.amazonaws.com"
                    + (dot < 0 ? "" : "; set provider." + name.substring(0, dot) + ".deployment." + name.substring(dot + 1)
                            + ".region or provider." + name.substring(0, dot) + ".region"));
        }
        region = region.trim();
        if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d{1,2}")) {
            throw new dev.aigateway.config.SettingException(key + " must be an AWS region such as us-east-1 or "
                    + "eu-central-1; got '" + (region.length() > 40 ? region.substring(0, 40) + "..." : region) + "'");
        }
        return region;
    }

    /** USD for the tokens used, from the per-million-token prices. */
    public double cost(long promptTokens, long completionTokens) {
        return (promptTokens * inputPricePerMTok + completionTokens * outputPricePerMTok) / 1_000_000d;
    }

    /**
     * An http(s) URL with a host and no user:password@ part: credentials in a URL would be printed wherever the
     * URL is (Camel's start-up summary, error messages) and are not sent as a provider key anyway.
     */
    static String baseUrl(String key, String url) {
        java.net.URI uri;
        try {
            uri = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new dev.aigateway.config.SettingException(key + " is not a URL: " + e.getReason());
        }
        if (uri.getRawUserInfo() != null) {
            throw new dev.aigateway.config.SettingException(key + " must not carry credentials (user:password@ ...): "
                    + "put the provider's key in its api-key-env / api-key-file; got " + uri.getScheme() + "://***@"
                    + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/...");
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new dev.aigateway.config.SettingException(key + " must be an http:// or https:// URL with a host; got '"
                    + (url.length() > 100 ? url.substring(0, 100) + "..." : url) + "'");
        }
        return stripSlash(url);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

package dev.aigateway.provider;

/**
 * A non-2xx answer from a provider, read from its error body: {@code type} and {@code code} as the vendor
 * named them, {@code retryAfterMs} from Retry-After / retry-after-ms (or -1).
 */
public record UpstreamError(int status, String type, String code, String param, String message, long retryAfterMs) {
}

package dev.aigateway.api;

/** One provider tried for a request: what happened and how long it took. Errors are already masked. */
public record Attempt(String provider, String outcome, int status, long latencyMs, String error) {
}

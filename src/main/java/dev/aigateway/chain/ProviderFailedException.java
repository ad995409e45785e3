package dev.aigateway.chain;

/** The provider answered with an error worth falling back on (5xx, 429, 401/403, unreadable answer). */
public class ProviderFailedException extends RuntimeException {
    private final String provider;
    private final String outcome;
    private final int status;

    public ProviderFailedException(String provider, String outcome, int status, String message) {
        // no stack trace: this is an expected outcome on the hot path, not a bug
        super(message, null, false, false);
        this.provider = provider;
        this.outcome = outcome;
        this.status = status;
    }

    public String provider() {
        return provider;
    }

    public String outcome() {
        return outcome;
    }

    public int status() {
        return status;
    }
}

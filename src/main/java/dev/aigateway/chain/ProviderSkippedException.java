package dev.aigateway.chain;

/**
 * The provider was not called (cooling down, disabled, model not allowed). The breakers ignore it: it is neither a failure nor a
 * success of the provider, yet the chain falls back.
 */
public class ProviderSkippedException extends RuntimeException {
    private final String provider;
    private final String outcome;

    public ProviderSkippedException(String provider, String outcome, String message) {
        super(provider + " skipped: " + message, null, false, false);
        this.provider = provider;
        this.outcome = outcome;
    }

    public String provider() {
        return provider;
    }

    public String outcome() {
        return outcome;
    }
}

package dev.aigateway.chain;

/**
 * The request's deadline (gateway.request-timeout, x-gateway-timeout-ms) passed before this provider could be
 * called: it is not called, the breaker ignores it (a skip), and the chain ends in 504 deadline_exceeded.
 */
public class DeadlineExceededException extends ProviderSkippedException {
    public DeadlineExceededException(String provider) {
        super(provider, "deadline_exceeded", "the request's deadline has passed");
    }
}

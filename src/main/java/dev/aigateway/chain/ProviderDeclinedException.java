package dev.aigateway.chain;

/**
 * The provider was called and declined this request (its context window overflowed, its content filter
 * refused): the chain goes on, but the breakers ignore it, since the provider itself is fine.
 */
public class ProviderDeclinedException extends ProviderFailedException {
    public ProviderDeclinedException(String provider, String outcome, int status, String message) {
        super(provider, outcome, status, message);
    }
}

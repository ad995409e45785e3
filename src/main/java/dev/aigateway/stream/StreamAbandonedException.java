package dev.aigateway.stream;

/**
 * No further provider may take over this answer (the client left, the chain's mode is fail, or a tool call
 * was cut on a live stream). Thrown before a provider is called, or while a provider's stream is relayed
 * when writing to the client fails; the chain runs out and the client's stream ends with an error event (or
 * its connection is dropped). The breakers ignore it: it is never a provider's failure.
 */
public class StreamAbandonedException extends RuntimeException {
    private final String outcome;

    public StreamAbandonedException(String outcome, String message) {
        super(message, null, false, false);
        this.outcome = outcome;
    }

    public String outcome() {
        return outcome;
    }
}

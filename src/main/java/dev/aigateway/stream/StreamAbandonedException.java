package dev.aigateway.stream;

/**
 * No further provider may take over this answer (the client left, the chain's mode is fail, or a tool call
 * was cut on a live stream). Thrown before a provider is called; the chain runs out and the client's stream
 * ends with an error event.
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

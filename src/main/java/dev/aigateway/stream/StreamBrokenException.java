package dev.aigateway.stream;

/** A provider's stream failed: cut, stalled, malformed, an error event, or no first token in time. */
public class StreamBrokenException extends RuntimeException {
    private final String outcome;

    public StreamBrokenException(String outcome, String message) {
        super(message, null, false, false);
        this.outcome = outcome;
    }

    /** stream_cut | stream_truncated | stream_stalled | stream_malformed | stream_error | first_token_timeout | client_closed */
    public String outcome() {
        return outcome;
    }
}

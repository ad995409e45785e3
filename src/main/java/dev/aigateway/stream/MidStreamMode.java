package dev.aigateway.stream;

import java.util.Locale;

/**
 * What the next provider does when an answer breaks after part of it was delivered: set per chain in
 * routes/chain-*.yaml (exchange property {@code midStreamFailover}), default {@code stream.mid-stream-failover}.
 */
public enum MidStreamMode {
    /** The next provider is asked to continue the partial answer; the client sees one seamless answer. */
    CONTINUE,
    /** The next provider answers from scratch; a live stream first gets a {@code gateway.event: restart} chunk. */
    RESTART,
    /** A live stream ends with an error event; a client that did not stream gets the next provider's fresh answer. */
    FAIL;

    /** Reads continue | restart | fail; null when the text is none of them. */
    public static MidStreamMode parse(String text) {
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "continue" -> CONTINUE;
            case "restart" -> RESTART;
            case "fail" -> FAIL;
            default -> null;
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

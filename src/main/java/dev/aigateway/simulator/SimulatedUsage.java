package dev.aigateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The token counts a simulated provider reports, by a tokenizer-like rule of its own: a run of letters or
 * digits is one token per started 4 characters, every other visible character one token, whitespace none;
 * each message costs 4 tokens more and a request 3 (as chat templates do). Deterministic, so a test can
 * predict it, and on purpose unlike anything the gateway could estimate by itself (one token per streamed
 * piece, or about 4 request bytes per token): a gateway that bills its estimate instead of the provider's
 * report is seen.
 */
public final class SimulatedUsage {
    static final int PER_MESSAGE = 4;
    static final int PER_REQUEST = 3;

    private SimulatedUsage() {
    }

    /** Tokens of a text by the rule above. */
    public static long tokens(String text) {
        long n = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                run++;
                continue;
            }
            n += (run + 3) / 4;
            run = 0;
            if (!Character.isWhitespace(c)) {
                n++;
            }
        }
        return n + (run + 3) / 4;
    }

    /**
     * Prompt tokens of a chat request in either API: every message's text, the Anthropic {@code system}
     * field and the offered tools, with the per-message and per-request overheads.
     */
    public static long promptTokens(JsonNode request) {
        long n = PER_REQUEST;
        for (JsonNode m : request.path("messages")) {
            n += PER_MESSAGE + tokens(SimulatedAnswer.textOf(m.path("content")));
        }
        JsonNode system = request.path("system");
        if (!system.isMissingNode() && !system.isNull()) {
            n += PER_MESSAGE + tokens(SimulatedAnswer.textOf(system));
        }
        if (request.path("tools").isArray() && !request.path("tools").isEmpty()) {
            n += tokens(request.path("tools").toString());
        }
        return n;
    }

    /** Completion tokens of an answer: its text, or for a tool call its JSON arguments (at least 1). */
    public static long completionTokens(SimulatedAnswer answer) {
        return Math.max(1, tokens(answer.text()));
    }
}

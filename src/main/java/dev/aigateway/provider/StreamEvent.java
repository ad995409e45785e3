package dev.aigateway.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One event of a provider's streamed answer, already in OpenAI terms, as a {@link StreamParser} reads it.
 *
 * @param chunk            an OpenAI {@code chat.completion.chunk} with a non-empty {@code choices} array, to
 *                         pass on to the client (the gateway rewrites id/created and removes {@code usage}),
 *                         or null when the event carries nothing for the client (ping, usage only, [DONE])
 * @param text             the content text this event adds ({@code choices[0].delta.content}), "" if none
 * @param toolCall         the chunk carries {@code tool_calls} deltas
 * @param finishReason     OpenAI finish_reason when this event ends the answer, else null; the chunk may
 *                         carry content as well (Gemini sends its last text with the finish reason)
 * @param promptTokens     prompt tokens when the event reports them, else -1
 * @param completionTokens completion tokens so far when the event reports them, else -1
 * @param model            the model named by the event, or null
 * @param done             the provider's end-of-stream marker ({@code data: [DONE]}, Anthropic {@code message_stop})
 * @param error            an in-band error event's message (after HTTP 200), else null
 * @param plain            the chunk read without a tree (OpenAI wire, text only), or null: then {@code chunk} is
 *                         null and {@link #chunk()} builds the tree on demand
 */
public record StreamEvent(ObjectNode chunk, String text, boolean toolCall, String finishReason, long promptTokens,
        long completionTokens, String model, boolean done, String error, PlainChunk plain) {

    public StreamEvent(ObjectNode chunk, String text, boolean toolCall, String finishReason, long promptTokens,
            long completionTokens, String model, boolean done, String error) {
        this(chunk, text, toolCall, finishReason, promptTokens, completionTokens, model, done, error, null);
    }

    /** The chunk as a tree (built now from a {@link PlainChunk}), or null when the event has none for the client. */
    @Override
    public ObjectNode chunk() {
        return chunk != null ? chunk : plain != null ? plain.tree() : null;
    }

    /** True when the event has a chunk for the client (as a tree or plain), without building a tree. */
    public boolean hasChunk() {
        return chunk != null || plain != null;
    }

    private static final StreamEvent NOTHING = new StreamEvent(null, "", false, null, -1, -1, null, false, null);
    private static final StreamEvent DONE = new StreamEvent(null, "", false, null, -1, -1, null, true, null);

    /** An event with nothing in it for the gateway (ping, keep-alive, content_block_stop). */
    public static StreamEvent nothing() {
        return NOTHING;
    }

    /** The end-of-stream marker; not named done(), which is the accessor of {@code done}. */
    public static StreamEvent end() {
        return DONE;
    }

    /** An in-band error event. */
    public static StreamEvent error(String message) {
        return new StreamEvent(null, "", false, null, -1, -1, null, false, message == null ? "error event" : message);
    }

    /** Usage only (the last chunk of OpenAI and Ollama, with empty choices). */
    public static StreamEvent usage(long promptTokens, long completionTokens, String model) {
        return new StreamEvent(null, "", false, null, promptTokens, completionTokens, model, false, null);
    }
}

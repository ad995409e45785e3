package dev.aigateway.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.provider.PlainChunk;

/**
 * Where the chunks of an answer go: straight to an HTTP client that asked for {@code stream: true}
 * ({@link SseClient}), or into a whole completion for non-streaming and Kafka requests
 * ({@link AnswerCollector}).
 */
public interface AnswerSink {

    /** True when a chunk reaches the client at once and cannot be taken back. */
    boolean live();

    /** True when the client has gone: no provider should be called for it any more. */
    boolean gone();

    /**
     * The first content is about to be written.
     *
     * @param provider who sends it (the x-gateway-provider header of a live stream)
     */
    void start(String provider);

    /** One OpenAI {@code chat.completion.chunk}, already rewritten to the answer's id. */
    void chunk(ObjectNode chunk);

    /** A text chunk read without a tree, already carrying the answer's id: as a tree unless the sink takes it plain. */
    default void chunk(PlainChunk chunk) {
        chunk(chunk.tree());
    }

    /** True when {@link #chunk(PlainChunk)} needs no tree (an OpenAI chat client, a collected answer). */
    default boolean takesPlain() {
        return false;
    }

    /** Chunks held to be written together go to the client now (the provider's next bytes are not here yet). */
    default void flush() {
    }

    /** Everything written so far is void: the next provider answers from scratch (mid-stream mode restart). */
    void restart(ObjectNode marker);
}

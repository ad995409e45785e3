package dev.aigateway.provider;

import java.io.IOException;

/**
 * Reads one provider stream's Server-Sent Events, in order. One instance per stream: Anthropic's events
 * depend on earlier ones (message_start names the model, content blocks are numbered).
 */
public interface StreamParser {

    /**
     * @param event the SSE {@code event:} name, or null when the event had none (OpenAI style)
     * @param data  the SSE {@code data:} payload (several data lines joined with '\n')
     * @throws IOException when the payload is not what the API sends (malformed JSON, unknown shape)
     */
    StreamEvent parse(String event, String data) throws IOException;

    /**
     * Every chunk is wanted as a tree (the client speaks another API than OpenAI chat): a parser that can read
     * chunks without one ({@link PlainChunk}) does not try, as the tree would be built anyway.
     */
    default void treesOnly() {
    }
}

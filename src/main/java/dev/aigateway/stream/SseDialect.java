package dev.aigateway.stream;

import java.util.function.Consumer;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How a client API spells a streamed answer. The chains always produce OpenAI {@code chat.completion.chunk}s;
 * a dialect turns them into the events its client's SDK reads (OpenAI chat chunks, Anthropic Messages
 * events, Responses API events). {@link SseClient} owns the connection (headers, back-pressure, a client that
 * left); a dialect only writes whole SSE frames ({@code "event: …\ndata: …\n\n"}) to {@code out}.
 * One instance per streamed request: a dialect may keep state (an open content block, a sequence number).
 */
public interface SseDialect {

    /** The frames for one chunk of the answer (none, one or several). */
    void chunk(ObjectNode chunk, Consumer<byte[]> out);

    /**
     * Everything written so far is void (mid-stream mode restart): {@code marker} is the OpenAI chunk that
     * says so. A dialect with no way to say it may write nothing.
     */
    void restart(ObjectNode marker, Consumer<byte[]> out);

    /**
     * The closing frames of an answer.
     *
     * @param finish the OpenAI finish chunk (finish_reason, and the {@code gateway} object)
     * @param usage  the OpenAI usage chunk, or null when the client did not ask for usage in the stream
     */
    void end(ObjectNode finish, ObjectNode usage, Consumer<byte[]> out);

    /** An error after content was sent: {@code errorBody} is the gateway's OpenAI-style error body. */
    void fail(ObjectNode errorBody, Consumer<byte[]> out);
}

package dev.aigateway.stream;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import dev.aigateway.provider.PlainChunk;

/**
 * A client's {@code stream: true} response: Server-Sent Events in its API's format ({@link SseDialect}: OpenAI
 * chunks, Anthropic Messages or Responses events), written to the Vert.x response as each chunk arrives. Headers go out with the first content, so a request that fails
 * before any content still gets a plain JSON error with its real status. Camel leaves a response it
 * finds ended alone. A client that has gone, or that Vert.x refuses to write to, ends the answer as
 * abandoned ({@link StreamAbandonedException}): a client-side failure never counts against a provider.
 * Frames are held until {@link #flush} (before the relay waits for the provider's next bytes) or the end, so
 * the chunks of one provider read cost one write to the event loop, not one each.
 */
public final class SseClient implements AnswerSink {
    /** Frames held beyond this many bytes are written at once. */
    private static final int PENDING_BYTES = 16 * 1024;
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private final HttpServerResponse response;
    private final SseDialect dialect;
    private final String requestId;
    private final String chain;
    private final String droppedFields;
    private final long slowClientMs;
    private volatile boolean started;
    private volatile boolean gone;
    /** Frames not written yet: the chunks of one provider read go out in one write ({@link #flush}). */
    private Buffer pending;

    /**
     * @param droppedFields the x-gateway-dropped-fields header (comma-separated; empty: none)
     * @param slowClientMs  how long a write may wait for a client that does not read before it counts as gone
     */
    public SseClient(HttpServerResponse response, SseDialect dialect, String requestId, String chain,
            String droppedFields, long slowClientMs) {
        this.response = response;
        this.dialect = dialect;
        this.requestId = requestId;
        this.chain = chain;
        this.droppedFields = droppedFields == null ? "" : droppedFields;
        this.slowClientMs = slowClientMs;
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public boolean gone() {
        return gone || response.closed();
    }

    /** True once the status and headers are out: errors can then only travel as an event. */
    public boolean started() {
        return started;
    }

    @Override
    public void start(String provider) {
        if (started) {
            return;
        }
        started = true;
        onClient(() -> {
            response.setStatusCode(200).setChunked(true)
                    .putHeader("content-type", "text/event-stream; charset=utf-8")
                    .putHeader("cache-control", "no-cache")
                    // reverse proxies (nginx) must not buffer the events
                    .putHeader("x-accel-buffering", "no")
                    .putHeader("x-request-id", requestId)
                    .putHeader("x-gateway-chain", chain)
                    .putHeader("x-gateway-provider", provider);
            if (!droppedFields.isEmpty()) {
                response.putHeader("x-gateway-dropped-fields", droppedFields);
            }
        });
    }

    @Override
    public void chunk(ObjectNode chunk) {
        dialect.chunk(chunk, this::write);
    }

    /** An OpenAI chat client gets a plain chunk's JSON as the provider wrote it; other APIs get their dialect's events. */
    @Override
    public void chunk(PlainChunk chunk) {
        if (dialect != ChatChunkSse.INSTANCE) {
            dialect.chunk(chunk.tree(), this::write);
            return;
        }
        checkOpen();
        pending().appendBytes(DATA).appendString(chunk.json()).appendBytes(END);
        flushIfFull();
    }

    @Override
    public boolean takesPlain() {
        return dialect == ChatChunkSse.INSTANCE;
    }

    /** Writes the frames held so far (the provider's next bytes are not here yet). */
    @Override
    public void flush() {
        if (pending == null) {
            return;
        }
        checkOpen();
        awaitRoom();
        Buffer out = pending;
        pending = null;
        onClient(() -> response.write(out).onFailure(e -> gone = true));
    }

    @Override
    public void restart(ObjectNode marker) {
        dialect.restart(marker, this::write);
    }

    /**
     * The last events of an answer, then the response ends.
     *
     * @param usage the usage chunk, or null when the client did not ask for it
     */
    public void end(ObjectNode finish, ObjectNode usage) {
        close(() -> dialect.end(finish, usage, this::write));
    }

    /** An error after content was sent: the last event, in the client API's error shape. */
    public void fail(ObjectNode errorBody) {
        close(() -> dialect.fail(errorBody, this::write));
    }

    private void close(Runnable lastEvents) {
        try {
            lastEvents.run();
            if (pending != null) {
                awaitRoom();
            }
            Buffer last = pending;
            pending = null;
            onClient(() -> {
                if (!response.ended() && !response.closed()) {
                    if (last != null) {
                        response.end(last);
                    } else {
                        response.end();
                    }
                }
            });
        } catch (StreamAbandonedException gone) {
            // the client left (or cannot be written to): nothing more to tell it
        }
    }

    /**
     * @throws StreamAbandonedException when the client has gone or cannot be written to: the client's doing,
     *                                  never its provider's (the breakers ignore it), and nobody takes over
     */
    private void write(byte[] bytes) {
        checkOpen();
        pending().appendBytes(bytes);
        flushIfFull();
    }

    private Buffer pending() {
        if (pending == null) {
            pending = Buffer.buffer(2048);
        }
        return pending;
    }

    private void flushIfFull() {
        if (pending.length() >= PENDING_BYTES) {
            flush();
        }
    }

    private void checkOpen() {
        if (gone()) {
            throw lost(null);
        }
    }

    /** The client reads slower than the provider writes: wait for it, but not for ever. */
    private void awaitRoom() {
        if (response.writeQueueFull()) {
            CompletableFuture<Void> drained = new CompletableFuture<>();
            try {
                response.drainHandler(v -> drained.complete(null));
                if (response.writeQueueFull()) {
                    drained.get(slowClientMs, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw lost(null);
            } catch (Exception e) {
                response.reset();
                throw lost(null);
            }
        }
    }

    /**
     * Runs a write to the client's response. Vert.x refuses one by throwing (a header value it will not send,
     * a response already ended or closed): the client cannot get this stream any more, so the connection is
     * dropped and the answer abandoned.
     */
    private void onClient(Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            if (!response.closed()) {
                response.reset();
            }
            throw lost(e);
        }
    }

    private StreamAbandonedException lost(RuntimeException cause) {
        gone = true;
        return new StreamAbandonedException("client_closed", cause == null ? "the client closed the stream"
                : "writing to the client failed: " + cause.getClass().getSimpleName());
    }
}

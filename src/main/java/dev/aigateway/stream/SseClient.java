package dev.aigateway.stream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * A client's {@code stream: true} response: Server-Sent Events in its API's format ({@link SseDialect}: OpenAI
 * chunks, Anthropic Messages or Responses events), written to the Vert.x response as each chunk arrives. Headers go out with the first content, so a request that fails
 * before any content still gets a plain JSON error with its real status. Camel leaves a response it
 * finds ended alone. A client that has gone, or that Vert.x refuses to write to, ends the answer as
 * abandoned ({@link StreamAbandonedException}): a client-side failure never counts against a provider.
 */
public final class SseClient implements AnswerSink {
    private final HttpServerResponse response;
    private final SseDialect dialect;
    private final String requestId;
    private final String chain;
    private final String droppedFields;
    private final long slowClientMs;
    private volatile boolean started;
    private volatile boolean gone;

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
            onClient(() -> {
                if (!response.ended() && !response.closed()) {
                    response.end();
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
        if (gone()) {
            throw lost(null);
        }
        if (response.writeQueueFull()) {
            // the client reads slower than the provider writes: wait for it, but not for ever
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
        onClient(() -> response.write(Buffer.buffer(bytes)).onFailure(e -> gone = true));
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

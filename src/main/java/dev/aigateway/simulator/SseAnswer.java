package dev.aigateway.simulator;

import java.util.List;
import java.util.Set;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one streamed answer: HTTP 200, the opening events, one piece every {@code chunk_ms} on Vert.x timers
 * (never a sleeping thread), then the closing events, or a stream fault after exactly {@code after_chunks}
 * pieces. Stops by itself when the client goes away; the caller's close handler releases the in-flight count.
 */
final class SseAnswer {
    /** The faults that strike inside a stream, after HTTP 200. */
    static final Set<String> STREAM_FAULTS = Set.of("cut", "truncate", "stall", "malformed", "error-event");

    /**
     * A cut comes at least this long after the last piece, even with {@code chunk_ms} 0: a client that reads
     * the stream slower than it arrives would lose the pieces still buffered when the connection fails (the
     * JDK HttpClient's body stream does), and tests could not see exactly {@code after_chunks} pieces.
     */
    static final long CUT_GRACE_MS = 50;

    private final Vertx vertx;
    private final HttpServerRequest req;
    private final HttpServerResponse res;
    private final SseFormat format;
    private final List<String> pieces;
    private final long chunkMs;
    /** Index of the piece the fault replaces, or -1 for a complete answer. */
    private final int faultAt;
    private final String fault;
    private final Runnable onComplete;
    private Future<Void> lastWrite;

    /**
     * @param fault      one of {@link #STREAM_FAULTS}, or null for a complete answer
     * @param onComplete runs once the closing events of a whole answer are written
     */
    SseAnswer(Vertx vertx, HttpServerRequest req, SseFormat format, List<String> pieces, Faults faults, String fault,
            Runnable onComplete) {
        this.vertx = vertx;
        this.req = req;
        this.res = req.response();
        this.format = format;
        this.pieces = pieces;
        this.chunkMs = faults.chunkMs();
        this.fault = fault;
        this.onComplete = onComplete;
        // a short answer breaks after its last piece, still before it could finish
        this.faultAt = fault == null ? -1 : Math.min(faults.afterChunks(), pieces.size());
    }

    void start() {
        res.setStatusCode(200).setChunked(true).putHeader("content-type", format.contentType())
                .putHeader("cache-control", "no-cache");
        write(format.opening());
        step(0);
    }

    private void step(int i) {
        if (res.closed() || res.ended()) {
            return; // the client went away: no more timers for this stream
        }
        if (i == faultAt) {
            fail();
        } else if (i == pieces.size()) {
            // counted once written: an answer lost in a closing server (chaos) was never received, nor billed twice
            res.end(format.encode(format.closing())).onSuccess(v -> onComplete.run());
        } else {
            write(format.piece(pieces.get(i)));
            if (chunkMs > 0) {
                vertx.setTimer(chunkMs, id -> step(i + 1));
            } else {
                vertx.runOnContext(v -> step(i + 1));
            }
        }
    }

    private void fail() {
        switch (fault) {
            // no terminating zero-length chunk: the client sees the connection break mid-body
            case "cut" -> lastWrite.onComplete(v -> later(Math.max(0, CUT_GRACE_MS - chunkMs), () -> req.connection().close()));
            case "truncate" -> res.end(); // a clean end of the HTTP body, but no finish / [DONE] / message_stop
            case "stall" -> {
                // nothing more, connection kept open until the client gives up
            }
            case "malformed" -> res.end(format.encode(format.malformed()));
            case "error-event" -> res.end(format.encode(format.errorEvent()));
            default -> throw new IllegalArgumentException("not a stream fault: " + fault);
        }
    }

    private void later(long ms, Runnable r) {
        if (ms <= 0) {
            r.run();
        } else {
            vertx.setTimer(ms, id -> r.run());
        }
    }

    private void write(String frames) {
        lastWrite = res.write(format.encode(frames));
    }
}

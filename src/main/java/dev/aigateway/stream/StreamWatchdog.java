package dev.aigateway.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.hc.core5.http.io.EofSensorInputStream;

/**
 * Guards the provider streams being read: one timer thread checks them all every few ms and aborts a
 * stream whose first content is late (stream.first-token-timeout), that stalls after its first content
 * (stream.idle-timeout), that outlives its request's deadline (gateway.request-timeout, x-gateway-timeout-ms),
 * or whose client has gone. Aborting closes the connection, so the thread blocked
 * reading it gets an IOException and the chain moves on. A per-read socket timeout could not tell "no
 * first token yet" from "stalled mid-answer", nor notice a client that left.
 */
public final class StreamWatchdog implements AutoCloseable {
    private final ScheduledExecutorService timer;
    private final Set<Watched> active = ConcurrentHashMap.newKeySet();

    public StreamWatchdog(long tickMs) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stream-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::check, tickMs, tickMs, TimeUnit.MILLISECONDS);
    }

    /** Starts guarding {@code in}; close the returned stream when done with it. */
    public Watched watch(InputStream in, long callStartedNanos, long firstTokenTimeoutMs, long idleTimeoutMs,
            BooleanSupplier clientGone) {
        return watch(in, callStartedNanos, firstTokenTimeoutMs, idleTimeoutMs, 0, clientGone);
    }

    /** As above, and aborted ({@code deadline_exceeded}) once System.nanoTime() passes {@code deadlineNanos} (0: none). */
    public Watched watch(InputStream in, long callStartedNanos, long firstTokenTimeoutMs, long idleTimeoutMs,
            long deadlineNanos, BooleanSupplier clientGone) {
        Watched w = new Watched(in, callStartedNanos, firstTokenTimeoutMs * 1_000_000, idleTimeoutMs * 1_000_000, clientGone);
        w.deadlineAt = deadlineNanos;
        active.add(w);
        return w;
    }

    /** Streams being guarded now. */
    public int active() {
        return active.size();
    }

    private void check() {
        long now = System.nanoTime();
        for (Watched w : active) {
            if (w.clientGone.getAsBoolean()) {
                w.abort("client_closed");
            } else if (w.deadlineAt != 0 && now - w.deadlineAt >= 0) {
                w.abort("deadline_exceeded");
            } else if (w.contentAt == 0 && now - w.startedAt > w.firstTokenNanos) {
                w.abort("first_token_timeout");
            } else if (w.contentAt != 0 && now - w.lastByteAt > w.idleNanos) {
                w.abort("stream_stalled");
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** A provider stream under guard: notes when bytes and content arrive; knows why it was aborted. */
    public final class Watched extends FilterInputStream {
        private final long startedAt;
        private final long firstTokenNanos;
        private final long idleNanos;
        private final BooleanSupplier clientGone;
        private long deadlineAt;
        private volatile long lastByteAt = System.nanoTime();
        private volatile long contentAt;
        /** Why the stream was aborted: set once (the watchdog and the reading thread may both abort it). */
        private final java.util.concurrent.atomic.AtomicReference<String> abortReason = new java.util.concurrent.atomic.AtomicReference<>();

        Watched(InputStream in, long startedAt, long firstTokenNanos, long idleNanos, BooleanSupplier clientGone) {
            super(in);
            this.startedAt = startedAt;
            this.firstTokenNanos = firstTokenNanos;
            this.idleNanos = idleNanos;
            this.clientGone = clientGone;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            lastByteAt = System.nanoTime();
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            lastByteAt = System.nanoTime();
            return n;
        }

        /** The first content (text, tool call, reasoning) has arrived: from now on the idle timeout applies. */
        public void contentArrived() {
            if (contentAt == 0) {
                contentAt = System.nanoTime();
            }
        }

        /** Milliseconds from the call to the stream's first content, or -1. */
        public long timeToFirstContentMs() {
            return contentAt == 0 ? -1 : (contentAt - startedAt) / 1_000_000;
        }

        /** Why the watchdog aborted this stream, or null when it did not. */
        public String abortReason() {
            return abortReason.get();
        }

        /** Drops the connection under the stream (never drains it: a stalled provider would block the drain). */
        public void abort(String reason) {
            if (!abortReason.compareAndSet(null, reason)) {
                return;
            }
            active.remove(this);
            try {
                if (in instanceof EofSensorInputStream eof) {
                    eof.abort();
                } else {
                    // close() may try to drain the body: never on the watchdog's own thread
                    Thread closer = new Thread(this::closeQuietly, "stream-abort");
                    closer.setDaemon(true);
                    closer.start();
                }
            } catch (IOException | RuntimeException ignored) {
                // the reading thread sees the failure
            }
        }

        private void closeQuietly() {
            try {
                in.close();
            } catch (IOException | RuntimeException ignored) {
                // nothing left to do
            }
        }

        /** Stops guarding; the connection itself is released by camel-http when the exchange completes. */
        @Override
        public void close() {
            active.remove(this);
        }
    }
}

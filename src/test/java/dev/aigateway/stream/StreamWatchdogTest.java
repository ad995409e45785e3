package dev.aigateway.stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The watchdog aborts a stream whose first content is late, that stalls after it, or whose client left, by
 * closing the connection under the thread blocked reading it; a stream that keeps its deadlines is left alone.
 */
class StreamWatchdogTest {
    final StreamWatchdog watchdog = new StreamWatchdog(5);

    @AfterEach
    void stop() {
        watchdog.close();
    }

    /** A provider connection: bytes arrive when the test sends them; a read blocks until then; close breaks it. */
    static final class Connection extends InputStream {
        final BlockingQueue<Integer> bytes = new LinkedBlockingQueue<>();
        final AtomicBoolean closed = new AtomicBoolean();

        void send(int b) {
            bytes.add(b);
        }

        @Override
        public int read() throws IOException {
            try {
                while (true) {
                    if (closed.get()) {
                        throw new IOException("connection closed");
                    }
                    Integer b = bytes.poll(5, TimeUnit.MILLISECONDS);
                    if (b != null) {
                        return b;
                    }
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int b = read();
            buf[off] = (byte) b;
            return 1;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Reads until the connection breaks, on a thread of its own (as the chain's thread does). */
    static CompletableFuture<IOException> reader(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                while (in.read() >= 0) {
                    // bytes are counted by the watchdog
                }
                return null;
            } catch (IOException e) {
                return e;
            }
        }, r -> new Thread(r, "reader").start());
    }

    @Test
    void noFirstContentInTimeAbortsTheConnection() throws Exception {
        Connection c = new Connection();
        long started = System.nanoTime();
        StreamWatchdog.Watched w = watchdog.watch(c, started, 150, 10_000, () -> false);
        CompletableFuture<IOException> read = reader(w);
        // bytes keep coming, but no content (role chunk, pings): the first-token clock keeps running
        Thread pinger = new Thread(() -> {
            while (!read.isDone() && !c.closed.get()) {
                c.send('x');
                try {
                    Thread.sleep(20); // a provider's ping pace
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        pinger.start();
        IOException broken = read.get(5, TimeUnit.SECONDS);
        pinger.join();
        long ms = (System.nanoTime() - started) / 1_000_000;
        assertTrue(broken != null, "the blocked read fails");
        assertEquals("first_token_timeout", w.abortReason());
        assertTrue(ms >= 150 && ms < 3_000, "aborted after the first-token timeout: " + ms + " ms");
        assertEquals(0, watchdog.active(), "an aborted stream is no longer watched");
        assertEquals(-1, w.timeToFirstContentMs());
    }

    @Test
    void aStallAfterContentAbortsAfterTheIdleTimeout() throws Exception {
        Connection c = new Connection();
        StreamWatchdog.Watched w = watchdog.watch(c, System.nanoTime(), 10_000, 200, () -> false);
        CompletableFuture<IOException> read = reader(w);
        // content keeps coming for longer than the idle timeout: no abort
        for (int i = 0; i < 20; i++) {
            c.send('x');
            w.contentArrived();
            Thread.sleep(20); // the provider's pace, not a wait for the result
        }
        assertNull(w.abortReason(), "bytes every 20 ms keep a 200 ms idle timeout away");
        long stalledAt = System.nanoTime();
        assertTrue(read.get(5, TimeUnit.SECONDS) != null);
        long ms = (System.nanoTime() - stalledAt) / 1_000_000;
        assertEquals("stream_stalled", w.abortReason());
        assertTrue(ms >= 150 && ms < 3_000, "aborted about 200 ms after the last byte: " + ms);
        assertTrue(w.timeToFirstContentMs() >= 0);
    }

    @Test
    void aClientThatLeftAbortsAtOnce() throws Exception {
        Connection c = new Connection();
        AtomicBoolean gone = new AtomicBoolean();
        StreamWatchdog.Watched w = watchdog.watch(c, System.nanoTime(), 10_000, 10_000, gone::get);
        CompletableFuture<IOException> read = reader(w);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> w.abortReason() == null);
        gone.set(true);
        assertTrue(read.get(2, TimeUnit.SECONDS) != null);
        assertEquals("client_closed", w.abortReason());
    }

    @Test
    void contentInTimeIsLeftAloneAndCloseStopsTheGuard() throws Exception {
        Connection c = new Connection();
        StreamWatchdog.Watched w = watchdog.watch(c, System.nanoTime(), 100, 10_000, () -> false);
        c.send('x');
        assertEquals('x', w.read());
        w.contentArrived();
        assertEquals(1, watchdog.active());
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> w.abortReason() == null);
        w.close();
        assertEquals(0, watchdog.active());
        assertTrue(!c.closed.get(), "close() only stops guarding: camel-http releases the connection");
    }

    @Test
    void theFirstReasonStays() throws Exception {
        Connection c = new Connection();
        StreamWatchdog.Watched w = watchdog.watch(c, System.nanoTime(), 10_000, 10_000, () -> false);
        w.abort("stream_malformed");
        w.abort("client_closed");
        assertEquals("stream_malformed", w.abortReason());
        await().atMost(Duration.ofSeconds(2)).until(c.closed::get);
        assertThrows(IOException.class, w::read);
    }
}

package dev.aigateway.config;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.spi.ExecutorServiceFactory;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * The Vert.x instance behind the HTTP API. platform-http runs each request's route on a Vert.x worker
 * thread, which blocks for the whole provider call (seconds for an LLM). On JDK 21+ the workers are
 * virtual threads, so thousands of calls wait at once for the cost of a few kilobytes each; on JDK 17
 * they are a platform thread pool ({@link #platformPool}) that grows only when no worker is idle, up to
 * {@code gateway.http.max-in-flight} threads, and shrinks back when load falls.
 * <p>
 * Virtual threads have no pool to bound them, so {@link Admission} admits at most
 * {@code gateway.http.max-in-flight} chat requests at once on every JDK.
 */
public final class HttpWorkers {
    /** Seconds a client refused as overloaded is asked to wait (Retry-After). */
    static final int OVERLOADED_RETRY_AFTER_SECONDS = 1;

    private HttpWorkers() {
    }

    public static Vertx create(int maxInFlight) {
        VertxOptions options = new VertxOptions().setWorkerPoolSize(maxInFlight)
                // an LLM call may legitimately hold a worker for minutes: no blocked-thread warnings
                .setMaxWorkerExecuteTime(10).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES);
        ExecutorServiceFactory workers = VirtualThreads.available()
                ? (threadFactory, concurrency, maxConcurrency) -> VirtualThreads.newPerTaskExecutor()
                : (threadFactory, concurrency, maxConcurrency) -> platformPool(threadFactory, maxConcurrency);
        return new VertxBuilder(options).executorServiceFactory(workers).init().vertx();
    }

    /** Platform workers started with the pool (JDK 17): a c=32 load never starts a thread on the event loop. */
    static final int PRESTARTED_WORKERS = 64;

    /**
     * The JDK 17 worker pool. Vert.x's default is a fixed pool, which starts a new thread for every task
     * until it holds all {@code max} (4096 by default): under steady load it fills to thousands of threads,
     * each started on the event loop (p99 in the hundreds of ms, ~1 GiB RSS). This one hands a task to an
     * idle worker when there is one, starts a thread only when none is idle (up to {@code max}; past it
     * tasks wait in line), and lets threads beyond the prestarted ones go after a minute idle.
     */
    static ExecutorService platformPool(ThreadFactory threadFactory, int max) {
        HandOffQueue queue = new HandOffQueue();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(Math.min(max, PRESTARTED_WORKERS), max, 60, TimeUnit.SECONDS,
                queue, threadFactory, (task, executor) -> {
                    if (executor.isShutdown()) {
                        throw new RejectedExecutionException("HTTP worker pool is shut down");
                    }
                    queue.enqueue(task); // all max threads busy: wait for one
                });
        queue.pool = pool;
        pool.prestartAllCoreThreads();
        return pool;
    }

    /** A queue that refuses a task no idle worker takes at once, so the pool grows instead of queueing. */
    static final class HandOffQueue extends LinkedTransferQueue<Runnable> {
        private volatile ThreadPoolExecutor pool;

        @Override
        public boolean offer(Runnable task) {
            return tryTransfer(task) || (pool.getPoolSize() >= pool.getMaximumPoolSize() && super.offer(task));
        }

        void enqueue(Runnable task) {
            super.offer(task);
        }
    }

    /**
     * The admission limit of the chat route ({@code routes/http-ingress.yaml} names it first): at most
     * {@code gateway.http.max-in-flight} requests at once, on every JDK (virtual threads have no pool to bound
     * them). Over it: 503 {@code gateway_overloaded} with Retry-After, counted in {@code gateway.http.overloaded};
     * a place is given back when its exchange completes (a stream: when it ends).
     */
    public static final class Admission {
        private final int maxInFlight;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final Counter overloaded;

        public Admission(int maxInFlight, GatewayMetrics metrics) {
            this.maxInFlight = maxInFlight;
            Gauge.builder("gateway.http.in.flight", inFlight, AtomicInteger::get)
                    .description("HTTP chat requests being processed now (gateway.http.max-in-flight)")
                    .register(metrics.registry());
            this.overloaded = Counter.builder("gateway.http.overloaded")
                    .description("HTTP requests refused with 503: gateway.http.max-in-flight were in flight")
                    .register(metrics.registry());
        }

        public void admit(Exchange exchange) {
            if (inFlight.incrementAndGet() > maxInFlight) {
                inFlight.decrementAndGet();
                overloaded.increment();
                throw new GatewayException(503, "server_error", "gateway_overloaded", null, "The gateway is processing "
                        + maxInFlight + " requests (gateway.http.max-in-flight); retry shortly")
                        .retryAfter(OVERLOADED_RETRY_AFTER_SECONDS);
            }
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    inFlight.decrementAndGet();
                }
            });
        }
    }

    /**
     * The gateway's own 413 JSON for a body over the server's limit ({@code camel.server.max-body-size}, which
     * follows {@code gateway.max-body-bytes}): the server's body handler stops reading there and fails the
     * request with a bare 413 (the root router's default, which platform-http keeps to itself), so the API's
     * own router answers it as the API does.
     */
    public static void answerTooLarge(Router router, long maxBodyBytes, GatewayMetrics metrics) {
        Buffer tooLargeBody = body(new GatewayException(413, "invalid_request_error", "request_too_large", null,
                "Request body is larger than " + maxBodyBytes + " bytes (gateway.max-body-bytes)"));
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() != 413) {
                ctx.next();
                return;
            }
            metrics.request("http", "none", "rejected", 0, 0);
            reply(ctx, 413, tooLargeBody);
        });
    }

    private static Buffer body(GatewayException error) {
        try {
            return Buffer.buffer(Json.MAPPER.writeValueAsBytes(error.toBody()));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void reply(RoutingContext ctx, int status, Buffer body) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        // the request's body is left unread: the connection cannot carry another request
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").putHeader("connection", "close")
                .end(body.copy());
    }
}

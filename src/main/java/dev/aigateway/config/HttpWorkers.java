package dev.aigateway.config;

import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.impl.VertxBuilder;
import io.vertx.core.spi.ExecutorServiceFactory;

/**
 * The Vert.x instance behind the HTTP API. platform-http runs each request's route on a Vert.x worker
 * thread, which blocks for the whole provider call (seconds for an LLM). On JDK 21+ the workers are
 * virtual threads, so thousands of calls wait at once for the cost of a few kilobytes each; on JDK 17
 * they are a platform thread pool of {@code gateway.http.max-in-flight} threads, created on demand
 * (slower to ramp up: each new thread is started on the event loop).
 */
public final class HttpWorkers {
    private HttpWorkers() {
    }

    public static Vertx create(int maxInFlight) {
        VertxOptions options = new VertxOptions().setWorkerPoolSize(maxInFlight)
                // an LLM call may legitimately hold a worker for minutes: no blocked-thread warnings
                .setMaxWorkerExecuteTime(10).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES);
        ExecutorServiceFactory workers = VirtualThreads.available()
                ? (threadFactory, concurrency, maxConcurrency) -> VirtualThreads.newPerTaskExecutor()
                : ExecutorServiceFactory.INSTANCE;
        return new VertxBuilder(options).executorServiceFactory(workers).init().vertx();
    }
}

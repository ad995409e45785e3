package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The JDK 17 worker pool: grows only when every worker is busy, bounded by max, queues past it. */
class HttpWorkersTest {

    @Test
    void steadyLoadReusesIdleWorkersInsteadOfStartingThreads() throws Exception {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) HttpWorkers.platformPool(Executors.defaultThreadFactory(), 4096);
        try {
            assertEquals(HttpWorkers.PRESTARTED_WORKERS, pool.getPoolSize());
            for (int i = 0; i < 2_000; i++) {
                pool.submit(() -> { }).get(5, TimeUnit.SECONDS);
            }
            // a fixed pool of 4096 would have started a thread for each of these tasks
            assertEquals(HttpWorkers.PRESTARTED_WORKERS, pool.getPoolSize());
            assertEquals(HttpWorkers.PRESTARTED_WORKERS, pool.getLargestPoolSize());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void growsPastThePrestartedWorkersWhenAllAreBusyAndQueuesPastMax() throws Exception {
        int max = 100;
        ThreadPoolExecutor pool = (ThreadPoolExecutor) HttpWorkers.platformPool(Executors.defaultThreadFactory(), max);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        try {
            for (int i = 0; i < 130; i++) {
                pool.execute(() -> {
                    running.incrementAndGet();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    done.incrementAndGet();
                });
            }
            // every thread up to max runs a blocked task at once; the other 30 wait in line, none is refused
            Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> running.get() == max);
            assertEquals(max, pool.getPoolSize());
            assertEquals(30, pool.getQueue().size());
            release.countDown();
            Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> done.get() == 130);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}

package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Reply-to topic checks against a real broker: nothing is created, and a flood of unknown names costs one read. */
class KnownTopicsTest {

    @Test
    void aFloodOfUnknownTopicsReadsTheTopicListOncePerIntervalAndCreatesNothing() throws Exception {
        try (KafkaTestSupport kafka = new KafkaTestSupport(); KnownTopics topics = new KnownTopics(kafka.brokers())) {
            kafka.createTopic("ai.responses.real", 1, Map.of());
            var before = kafka.topics();
            ExecutorService pool = Executors.newFixedThreadPool(32);
            try {
                List<CompletableFuture<Boolean>> checks = new ArrayList<>();
                for (int i = 0; i < 1_000; i++) {
                    String name = "ai.responses.flood-" + i;
                    checks.add(CompletableFuture.supplyAsync(() -> topics.test(name), pool));
                }
                for (CompletableFuture<Boolean> c : checks) {
                    assertFalse(c.get(), "an unknown topic is unknown");
                }
            } finally {
                pool.shutdown();
            }
            assertTrue(topics.reads() <= 2, "1,000 unknown names, " + topics.reads() + " reads of the topic list");
            assertTrue(topics.test("ai.responses.real"), "an existing topic is known");
            assertEquals(before, kafka.topics(), "nothing created");

            // a topic created later is seen once the cache may be re-read
            kafka.createTopic("ai.responses.later", 1, Map.of());
            Awaitility.await().atMost(Duration.ofMillis(KnownTopics.REFRESH_MS * 3)).pollInterval(Duration.ofMillis(200))
                    .until(() -> topics.test("ai.responses.later"));
        }
    }
}

package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * The Kafka path under load while things break: the primary provider is killed, then the broker restarts.
 * Every request_id gets a reply; counts of lost and duplicated replies are printed as CHAOS lines.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaChaosTest {
    static KafkaTestSupport kafka;
    static ProviderSimulator openai;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestSupport();
        openai = new ProviderSimulator("127.0.0.1").start(0);
        openai.provider("openai", "openai", 100, 0);
        gw = kafka.startGateway(Map.of("provider.openai.base-url", openai.baseUrl("openai"),
                "provider.openai.timeout", "2000"));
        // the chaos is the provider or the broker, not the group forming: the gateway's consumers join one by
        // one at start, and a rebalance then re-delivers whatever a consumer had not committed yet
        kafka.send("ai.requests", "warm", "{\"prompt\":\"warm up\",\"request_id\":\"kchaos-warm\"}");
        kafka.readUntil("ai.responses", Duration.ofSeconds(30), r -> !KafkaTestSupport.withIdPrefix(r, "kchaos-warm").isEmpty());
        kafka.awaitStableGroup("ai-failover-gateway", 4); // gateway.kafka.consumers
    }

    @AfterAll
    static void stop() {
        gw.close();
        openai.close();
        kafka.close();
    }

    @Test
    @Order(1)
    void aProviderKilledMidLoad() throws Exception {
        Map<String, Long> replies = load("kchaos-kill", 400, () -> {
            awaitCalls(openai.provider("openai"), 100); // mid-load: a quarter of the requests reached openai
            openai.close();
        });
        assertEquals(400, replies.size(), "every request answered by a provider: " + summary(replies));
        assertEquals(0, replies.values().stream().filter(c -> c > 1).count(), "none twice");
    }

    @Test
    @Order(2)
    void theBrokerRestartedMidLoad() throws Exception {
        // openai is gone (previous test): anthropic answers, slowly, so the restart lands while all are in flight
        gw.sim("anthropic").reset(); // counts from this scenario only
        gw.sim("anthropic").faults(dev.aigateway.simulator.Faults.none(2_000));
        java.util.concurrent.atomic.AtomicLong inFlightAtRestart = new java.util.concurrent.atomic.AtomicLong();
        Map<String, Long> replies = load("kchaos-broker", 400, () -> {
            awaitCalls(gw.sim("anthropic"), 100); // requests at the provider (2 s each): in flight
            inFlightAtRestart.set(inFlight());
            try {
                // down until the gateway has seen it (its readiness turns DOWN), then back
                kafka.restartBroker(() -> gw.management("/observe/health").statusCode() == 503);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(inFlightAtRestart.get() > 0, "the broker went down with requests in the gateway");
        assertEquals(400, replies.size(), "every request answered by a provider: " + summary(replies));
        long duplicated = replies.values().stream().filter(c -> c > 1).count();
        // a batch whose replies or commit failed while the broker was down is consumed again: its replies may
        // come twice, but only those of records the gateway had in flight when it went down (docs/kafka.md: Delivery guarantee)
        assertTrue(duplicated <= inFlightAtRestart.get(), "duplicated " + duplicated + " > in flight at the restart "
                + inFlightAtRestart.get() + ": " + summary(replies));
    }

    /** The gateway's gauge of Kafka requests being processed now. */
    private static long inFlight() {
        return gw.management("/observe/metrics").body().lines().filter(l -> l.startsWith("gateway_kafka_in_flight "))
                .mapToLong(l -> (long) Double.parseDouble(l.substring(l.indexOf(' ') + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no gateway_kafka_in_flight gauge"));
    }

    /**
     * Sends n requests while {@code chaos} runs (from the n/4th request on; a failed chaos step fails the
     * test); returns, per request_id, how many replies with {@code success: true} it got.
     */
    private static Map<String, Long> load(String prefix, int n, Runnable chaos) throws Exception {
        java.util.concurrent.CompletableFuture<Void> strike = new java.util.concurrent.CompletableFuture<>();
        for (int i = 0; i < n; i++) {
            if (i == n / 4) {
                // its own thread: the chaos waits for the load it is part of
                new Thread(() -> {
                    try {
                        chaos.run();
                        strike.complete(null);
                    } catch (Throwable t) {
                        strike.completeExceptionally(t);
                    }
                }, "chaos").start();
            }
            kafka.send("ai.requests", prefix + "-" + i, "{\"prompt\":\"chaos " + i + "\",\"request_id\":\"" + prefix + "-" + i + "\"}");
        }
        strike.get(180, java.util.concurrent.TimeUnit.SECONDS); // rethrows the chaos step's failure
        kafka.readUntil("ai.responses", Duration.ofSeconds(120),
                r -> KafkaTestSupport.withIdPrefix(r, prefix + "-").stream().map(x -> KafkaTestSupport.header(x, "correlation-id"))
                        .distinct().count() >= n);
        // every request record committed: nothing is in flight any more, so no reply (nor duplicate) can follow
        kafka.awaitAllCommitted("ai.requests");
        List<ConsumerRecord<byte[], byte[]>> mine = KafkaTestSupport.withIdPrefix(kafka.readAll("ai.responses"), prefix + "-");
        Map<String, Long> perId = mine.stream().filter(r -> KafkaTestSupport.json(r).path("success").asBoolean())
                .collect(Collectors.groupingBy(r -> KafkaTestSupport.header(r, "correlation-id"), Collectors.counting()));
        long failed = mine.stream().filter(r -> !KafkaTestSupport.json(r).path("success").asBoolean()).count();
        System.out.println("CHAOS " + prefix + ": sent=" + n + " answered=" + perId.size() + " lost=" + (n - perId.size())
                + " duplicated=" + perId.values().stream().filter(c -> c > 1).count() + " failure-replies=" + failed);
        return perId;
    }

    private static String summary(Map<String, Long> replies) {
        return replies.size() + " ids, " + replies.values().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static void awaitCalls(ProviderSimulator.Simulated provider, long calls) {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
                .until(() -> provider.calls() >= calls);
    }
}

package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.config.Settings;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * Rebalances re-deliver nothing that was answered (real embedded broker, two gateways in one consumer group, a slow
 * upstream, records arriving all the time): a gateway joining mid-load, and a gateway stopped mid-load (SIGTERM to its
 * JVM), leave every request with exactly one reply and exactly one provider call.
 */
class KafkaRebalanceTest {
    private static final int REQUESTS = 300;
    /** Small batches gathered over several polls, so a rebalance always finds records waiting in a batch. */
    private static final Map<String, String> SETTINGS = Map.of("gateway.kafka.consumers", "2", "gateway.kafka.max-in-flight", "64",
            "gateway.kafka.session-timeout-ms", "6s");

    @Test
    void aGatewayJoiningMidLoadAnswersNothingTwice() throws Exception {
        try (KafkaTestSupport kafka = new KafkaTestSupport(); TestGateway first = slow(kafka.startGateway(SETTINGS))) {
            Load load = new Load(kafka, "join-", REQUESTS);
            load.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> first.sim("openai").calls() >= 30);
            try (TestGateway second = slow(kafka.startGateway(SETTINGS))) {
                load.join();
                kafka.awaitAllCommitted("ai.requests");
                assertEachAnsweredOnce(kafka, "join-");
                Map<String, Long> calls = callsByPrompt(first, second);
                assertEquals(REQUESTS, calls.size(), "every request reached a provider");
                assertEquals(Map.of(), calls.entrySet().stream().filter(e -> e.getValue() != 1)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "each provider call made once");
                assertTrue(second.sim("openai").calls() > 0, "the joining gateway took partitions mid-load");
                assertTrue(first.sim("openai").calls() > 30, "the first gateway kept working");
                // a rebalance moves only the partitions that change owner, the others keep running
                // (read once the group is stable: while it rebalances Kafka reports no assignor)
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                        assertEquals("cooperative-sticky", kafka.groupAssignor("ai-failover-gateway")));
            }
        }
    }

    @Test
    void aGatewayStoppedMidLoadFinishesItsRecordsAndNothingIsDeliveredAgain() throws Exception {
        ProviderSimulator leaverUpstream = new ProviderSimulator("127.0.0.1").start(0);
        try (KafkaTestSupport kafka = new KafkaTestSupport(); TestGateway stays = slow(kafka.startGateway(SETTINGS))) {
            for (String[] p : new String[][] { { "openai", "openai" }, { "anthropic", "anthropic" }, { "deepseek", "openai" },
                { "holysheep", "openai" }, { "gemini", "openai" } }) {
                leaverUpstream.provider(p[0], p[1], 300, 0);
            }
            leaverUpstream.trackPrompts();
            Path log = Files.createTempFile("gateway-leaves", ".log");
            Process leaves = startGateway(kafka, leaverUpstream, log);
            kafka.awaitStableGroup("ai-failover-gateway", 4);
            Load load = new Load(kafka, "stop-", REQUESTS);
            load.start();
            // SIGTERM while the leaving gateway has requests at its provider
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> !leaves.isAlive()
                    || leaverUpstream.provider("openai").calls() >= 20 && leaverUpstream.provider("openai").inFlight() > 0);
            long inFlightAtStop = leaverUpstream.provider("openai").inFlight();
            leaves.destroy();
            assertTrue(leaves.waitFor(60, TimeUnit.SECONDS), "the gateway stopped");
            String leaverLog = Files.readString(log);
            assertTrue(inFlightAtStop > 0, "stopped with requests in flight: " + leaverLog);
            assertFalse(leaverLog.contains("Forcing"), "a graceful stop: " + leaverLog);
            load.join();
            kafka.awaitAllCommitted("ai.requests");
            assertEachAnsweredOnce(kafka, "stop-");
            Map<String, Long> calls = new HashMap<>(leaverUpstream.callsByPrompt());
            stays.upstream.callsByPrompt().forEach((prompt, n) -> calls.merge(prompt, n, Long::sum));
            assertEquals(REQUESTS, calls.size(), "every request reached a provider");
            assertEquals(Map.of(), calls.entrySet().stream().filter(e -> e.getValue() != 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)),
                    "each provider call made once (" + inFlightAtStop + " were in flight at the stop)");
            assertTrue(stays.sim("openai").calls() > 0, "the staying gateway took over");
        } finally {
            leaverUpstream.close();
        }
    }

    /** The gateway in a JVM of its own (a SIGTERM is what an orchestrator sends), in the group with the test's. */
    private static Process startGateway(KafkaTestSupport kafka, ProviderSimulator upstream, Path log) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("HEALTH_INTERVAL", "1h");
        SETTINGS.forEach((k, v) -> env.put(Settings.envName(k), v));
        // every provider on the loopback simulator: no probe leaves the machine
        for (String p : new String[] { "openai", "anthropic", "deepseek", "holysheep", "gemini" }) {
            env.put("PROVIDER_" + p.toUpperCase() + "_BASE_URL", upstream.baseUrl(p));
        }
        return kafka.startGatewayProcess(env, log);
    }

    /** Every request id of the load has exactly one reply, a success. */
    private static void assertEachAnsweredOnce(KafkaTestSupport kafka, String prefix) {
        List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(kafka.readAll("ai.responses"), prefix);
        Map<String, Long> perId = replies.stream().collect(Collectors.groupingBy(r -> header(r, "correlation-id"),
                TreeMap::new, Collectors.counting()));
        assertEquals(REQUESTS, perId.size(), "every request answered");
        assertEquals(Map.of(), perId.entrySet().stream().filter(e -> e.getValue() != 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "no request answered twice");
        assertTrue(replies.stream().allMatch(r -> KafkaTestSupport.json(r).path("success").asBoolean()), "all answered");
    }

    private static Map<String, Long> callsByPrompt(TestGateway... gateways) {
        Map<String, Long> calls = new HashMap<>();
        for (TestGateway gw : gateways) {
            gw.upstream.callsByPrompt().forEach((prompt, n) -> calls.merge(prompt, n, Long::sum));
        }
        return calls;
    }

    /** A 300 ms upstream: batches take a while, so rebalances happen while requests are in flight. */
    private static TestGateway slow(TestGateway gw) {
        gw.upstream.trackPrompts();
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.none(300));
        }
        return gw;
    }

    /** Records sent at a steady pace (one every 10 ms, spread over the partitions by key), from a thread of its own. */
    private static final class Load extends Thread {
        private final KafkaTestSupport kafka;
        private final String prefix;
        private final int count;
        private final AtomicInteger sent = new AtomicInteger();

        Load(KafkaTestSupport kafka, String prefix, int count) {
            this.kafka = kafka;
            this.prefix = prefix;
            this.count = count;
        }

        @Override
        public void run() {
            for (int i = 0; i < count; i++) {
                String id = prefix + i;
                kafka.send("ai.requests", "k-" + i, "{\"prompt\":\"" + id + "\",\"request_id\":\"" + id + "\"}");
                sent.incrementAndGet();
                try {
                    Thread.sleep(10); // the pace of the load, not a wait for an outcome
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}

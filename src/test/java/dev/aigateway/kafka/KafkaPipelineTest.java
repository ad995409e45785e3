package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * The pipelined consumer (real embedded broker, {@link KafkaBatch}): a slow record does not hold back the records
 * polled after it on its partition, only the contiguous answered prefix of a partition is committed (a crash with a
 * slow record in flight re-delivers it and nothing before it; a stop waits for it), a record sought back is retried
 * without the records after it being answered twice, and no more than gateway.kafka.max-in-flight records run at once.
 * Slow records take chain deepseek (header x-gateway-chain), whose simulated provider is made slow; the others take
 * the default chain (openai, fast).
 */
class KafkaPipelineTest {
    static final int MAX_IN_FLIGHT = 6;

    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.kafka.consumers", "1",
            "gateway.kafka.max-in-flight", String.valueOf(MAX_IN_FLIGHT), "gateway.kafka.max-redeliveries", "2",
            // the consumer's own guarantees, not those of stored replies (which would also keep a record re-delivered
            // from being answered twice)
            "gateway.idempotency.enabled", "false"))
            .beforeStart(k -> k.createTopic("ai.responses.stuck", 1, Map.of("cleanup.policy", "compact")));

    @Test
    void aSlowRecordDoesNotHoldBackTheRecordsPolledAfterItAndOnlyTheAnsweredPrefixIsCommitted() {
        RecordMetadata first = env.kafka.sendTo("ai.requests", 3, null, request("first-" + UUID.randomUUID()));
        env.kafka.awaitCommitted(first);
        env.gw.sim("deepseek").faults(Faults.none(4_000));
        String slowId = "slow-" + UUID.randomUUID();
        RecordMetadata slow = env.kafka.sendTo("ai.requests", 3, null, request(slowId), "x-gateway-chain", "deepseek");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> env.gw.sim("deepseek").inFlight() == 1);

        String fastId = "fast-" + UUID.randomUUID();
        RecordMetadata fast = env.kafka.sendTo("ai.requests", 3, null, request(fastId));
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, fastId).isEmpty());
        assertTrue(withIdPrefix(replies, slowId).isEmpty(), "the record after the slow one is answered first");
        assertEquals(1, env.gw.sim("deepseek").inFlight(), "while the slow one still runs");
        // committed up to the slow record, not past it: a crash now re-delivers it (and the one after it), nothing before
        Awaitility.await().during(Duration.ofMillis(1_000)).atMost(Duration.ofSeconds(2))
                .until(() -> env.kafka.committed("ai-failover-gateway", slow) == slow.offset());
        assertEquals(1, env.gw.sim("deepseek").inFlight(), "the slow record was in flight all along");

        env.kafka.awaitCommitted(slow, fast);
        List<ConsumerRecord<byte[], byte[]>> all = env.kafka.readAll("ai.responses");
        assertEquals(1, withIdPrefix(all, slowId).size());
        assertEquals("deepseek", json(withIdPrefix(all, slowId).get(0)).path("provider").asText());
        assertEquals(1, withIdPrefix(all, fastId).size());
    }

    @Test
    void aRecordSoughtBackIsRetriedWithoutTheRecordsAfterItBeingAnsweredTwice() {
        // a reply the broker refuses every time (a compacted topic takes no record without key): not the record's
        // fault, so the record is consumed again, twice, then dead-lettered; it runs 1 s, the records after it
        // (same partition) are answered meanwhile
        env.gw.sim("deepseek").faults(Faults.none(1_000));
        String stuckId = "stuck-" + UUID.randomUUID();
        RecordMetadata stuck = env.kafka.sendTo("ai.requests", 5, null, request(stuckId), "reply-to", "ai.responses.stuck",
                "x-gateway-chain", "deepseek");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> env.gw.sim("deepseek").inFlight() == 1);
        List<String> after = new ArrayList<>();
        RecordMetadata last = null;
        for (int i = 0; i < 3; i++) {
            after.add("after-stuck-" + i + "-" + UUID.randomUUID());
            last = env.kafka.sendTo("ai.requests", 5, null, request(after.get(i)));
        }

        env.kafka.awaitCommitted(stuck, last);
        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> text(r.value()).contains(stuckId)).toList();
        assertEquals(1, dead.size());
        assertEquals("redelivery_limit", header(dead.get(0), "dlq-code"));
        assertEquals(3, env.gw.sim("deepseek").calls(), "asked once, then on each of the 2 redeliveries");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readAll("ai.responses");
        for (String id : after) {
            assertEquals(1, withIdPrefix(replies, id).size(), id + " answered once, not once per rewind");
        }
        assertEquals(after.size(), env.gw.sim("openai").calls(), "the provider was asked once per record after it");
    }

    @Test
    void noMoreThanMaxInFlightRecordsRunAtOnce() {
        env.gw.sim("openai").faults(Faults.none(500));
        List<RecordMetadata> sent = new ArrayList<>();
        String prefix = "bounded-" + UUID.randomUUID();
        for (int i = 0; i < 4 * MAX_IN_FLIGHT; i++) {
            sent.add(env.kafka.sendTo("ai.requests", i % 4, null, request(prefix + "-" + i)));
        }
        env.kafka.awaitCommitted(sent.toArray(RecordMetadata[]::new));
        assertEquals(4 * MAX_IN_FLIGHT, withIdPrefix(env.kafka.readAll("ai.responses"), prefix).size());
        assertEquals(MAX_IN_FLIGHT, env.gw.sim("openai").maxInFlight(),
                "gateway.kafka.max-in-flight records ran at once, never more");
    }

    @Test
    void aStoppingGatewayWaitsForItsRecordsInFlightAndCommitsThem() {
        env.kafka.createTopic("ai.requests.stop", 1, Map.of());
        Map<String, String> settings = new java.util.HashMap<>(env.kafka.gatewaySettings());
        settings.putAll(Map.of("gateway.kafka.request-topic", "ai.requests.stop", "gateway.kafka.group-id", "stop-group",
                "gateway.kafka.consumers", "1"));
        String slowId = "stop-slow-" + UUID.randomUUID();
        String fastId = "stop-fast-" + UUID.randomUUID();
        RecordMetadata first;
        RecordMetadata slow;
        RecordMetadata fast;
        try (TestGateway other = TestGateway.start(settings)) {
            other.sim("deepseek").faults(Faults.none(3_000));
            first = env.kafka.sendTo("ai.requests.stop", 0, null, request("stop-first-" + UUID.randomUUID()));
            env.kafka.awaitCommitted("stop-group", first);
            slow = env.kafka.sendTo("ai.requests.stop", 0, null, request(slowId), "x-gateway-chain", "deepseek");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> other.sim("deepseek").inFlight() == 1);
            fast = env.kafka.sendTo("ai.requests.stop", 0, null, request(fastId));
            env.kafka.readUntil("ai.responses", Duration.ofSeconds(20), all -> !withIdPrefix(all, fastId).isEmpty());
            assertEquals(slow.offset(), env.kafka.committed("stop-group", slow), "in flight: not committed, nor what follows");
        } // stops while the slow record runs
        assertEquals(fast.offset() + 1, env.kafka.committed("stop-group", fast),
                "the stop waited for the slow record, then committed it and the one after it");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readAll("ai.responses");
        assertEquals(1, withIdPrefix(replies, slowId).size());
        assertEquals(1, withIdPrefix(replies, fastId).size());
    }

    private static String request(String id) {
        return "{\"prompt\":\"" + id + "\",\"request_id\":\"" + id + "\"}";
    }
}

package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * No input can stall a partition (real embedded broker): a record with a 600 KB request_id, a record whose
 * reply the broker refuses as too large, a reply-to of a missing topic and a record whose reply can never be
 * delivered each end as one dead letter, and the next record of the same partition is answered.
 */
class KafkaPartitionProgressTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.kafka.max-redeliveries", "2")).beforeStart(k -> {
        // a reply topic that takes record batches of at most 640 bytes: an answer (the simulator echoes up to
        // ~600 bytes of the prompt) is refused by the broker, a failure reply (~450 bytes) is not
        k.createTopic("ai.responses.small", 1, Map.of("max.message.bytes", "640"));
        // a reply topic the reply of a record without key can never reach: a compacted topic refuses
        // records without a key (InvalidRecordException), every time
        k.createTopic("ai.responses.stuck", 1, Map.of("cleanup.policy", "compact"));
    });

    @Test
    void a600KbRequestIdIsDeadLetteredOnceAndTheNextRecordIsAnswered() {
        String key = "huge-" + UUID.randomUUID();
        String marker = "huge-id-" + UUID.randomUUID();
        String hugeId = marker + "x".repeat(600_000);
        String value = "{\"prompt\":\"" + marker + "\",\"request_id\":\"" + hugeId + "\"}";
        RecordMetadata bad = env.kafka.send("ai.requests", key, value);
        String next = "after-huge-" + UUID.randomUUID();
        RecordMetadata good = env.kafka.send("ai.requests", key, "{\"prompt\":\"next\",\"request_id\":\"" + next + "\"}");
        assertEquals(bad.partition(), good.partition());

        env.kafka.awaitCommitted(bad, good); // both done: whatever the gateway writes for them is on the broker
        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> text(r.value()).contains(marker)).toList();
        assertEquals(1, dead.size(), "one dead letter, not one per redelivery");
        assertEquals("invalid_identifier", header(dead.get(0), "dlq-code"));
        assertTrue(header(dead.get(0), "dlq-reason").contains("request_id"), header(dead.get(0), "dlq-reason"));
        assertEquals(value, text(dead.get(0).value()), "the original record, whole");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readAll("ai.responses");
        assertTrue(replies.stream().noneMatch(r -> text(r.value()).contains(marker) || r.value().length > 100_000),
                "an invalid request_id is never echoed: no failure reply");
        JsonNode answer = json(only(replies, next));
        assertTrue(answer.path("success").asBoolean(), answer.toString());
        assertEquals(1, env.gw.sim("openai").calls(), "the provider was called for the next record only");
    }

    @Test
    void aReplyTheBrokerRefusesAsTooLargeIsDeadLetteredOnceAndThePartitionMovesOn() {
        String key = "big-" + UUID.randomUUID().toString().substring(0, 8);
        String id = "big-" + UUID.randomUUID().toString().substring(0, 8);
        RecordMetadata bad = env.kafka.send("ai.requests", key, "{\"prompt\":\"" + "long answer ".repeat(300) + "\",\"request_id\":\""
                + id + "\"}", "reply-to", "ai.responses.small");
        String next = "after-big-reply-" + UUID.randomUUID();
        RecordMetadata good = env.kafka.send("ai.requests", key, "{\"prompt\":\"next\",\"request_id\":\"" + next + "\"}");

        env.kafka.awaitCommitted(bad, good);
        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> text(r.value()).contains(id)).toList();
        assertEquals(1, dead.size(), "one dead letter, the record is not consumed again");
        assertEquals("reply_too_large", header(dead.get(0), "dlq-code"));
        JsonNode failure = json(only(env.kafka.readAll("ai.responses.small"), id));
        assertFalse(failure.path("success").asBoolean());
        assertEquals("reply_too_large", failure.at("/error/code").asText());
        assertEquals("openai", failure.at("/providers_tried/0").asText());
        assertTrue(json(only(env.kafka.readAll("ai.responses"), next)).path("success").asBoolean());
        assertEquals(2, env.gw.sim("openai").calls(), "each record asked the provider once");
        assertTrue(env.gw.management("/observe/metrics").body().contains("gateway_kafka_dead_letters_total{code=\"reply_too_large\"}"));
    }

    @Test
    void aReplyToOfAMissingTopicCreatesNothingAndIsDeadLettered() {
        Set<String> before = env.kafka.topics();
        String id = "missing-topic-" + UUID.randomUUID();
        RecordMetadata sent = env.kafka.send("ai.requests", "k", "{\"prompt\":\"x\",\"request_id\":\"" + id + "\"}", "reply-to",
                "ai.responses.nobody-made-this");
        env.kafka.awaitCommitted(sent);
        assertEquals(before, env.kafka.topics(), "a request never creates a topic");
        ConsumerRecord<byte[], byte[]> dead = env.kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> text(r.value()).contains(id)).findFirst().orElseThrow();
        assertEquals("reply_to_unknown_topic", header(dead, "dlq-code"));
        JsonNode failure = json(only(env.kafka.readAll("ai.responses"), id));
        assertEquals("reply_to_unknown_topic", failure.at("/error/code").asText(), "answered on the default reply topic");
        assertEquals(0, env.gw.sim("openai").calls());
    }

    @Test
    void maxRedeliveriesBoundsARecordWhoseReplyCanNeverBeDelivered() {
        String id = "stuck-" + UUID.randomUUID();
        RecordMetadata stuck = env.kafka.sendTo("ai.requests", 2, null, "{\"prompt\":\"stuck\",\"request_id\":\"" + id + "\"}",
                "reply-to", "ai.responses.stuck");
        String next = "after-stuck-" + UUID.randomUUID();
        RecordMetadata good = env.kafka.sendTo("ai.requests", 2, null, "{\"prompt\":\"next\",\"request_id\":\"" + next + "\"}");

        env.kafka.awaitCommitted(stuck, good);
        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readAll("ai.requests.dlq").stream()
                .filter(r -> text(r.value()).contains(id)).toList();
        assertEquals(1, dead.size());
        assertEquals("redelivery_limit", header(dead.get(0), "dlq-code"));
        assertTrue(header(dead.get(0), "dlq-reason").contains("could not be delivered in 3 attempts"), header(dead.get(0), "dlq-reason"));
        assertFalse(withIdPrefix(env.kafka.readAll("ai.responses"), next).isEmpty(), "the next record was answered");
        long stuckCalls = env.gw.sim("openai").calls() - withIdPrefix(env.kafka.readAll("ai.responses"), next).size();
        assertEquals(3, stuckCalls, "asked once, then on each of the 2 redeliveries, then given up");
        assertTrue(env.gw.management("/observe/metrics").body().contains("gateway_kafka_dead_letters_total{code=\"redelivery_limit\"}"));
    }

    @Test
    void aRecordWhoseDeadLetterCannotBeWrittenEitherIsSkippedAndCounted() throws Exception {
        // a second gateway on its own request topic, group and dead-letter topic: a compacted one, which
        // refuses the dead letter of a record without key, every time
        env.kafka.createTopic("ai.requests.skip", 1, Map.of());
        env.kafka.createTopic("ai.requests.dlq.compacted", 1, Map.of("cleanup.policy", "compact"));
        Map<String, String> settings = new java.util.HashMap<>(env.kafka.gatewaySettings());
        settings.putAll(Map.of("gateway.kafka.request-topic", "ai.requests.skip", "gateway.kafka.group-id", "skip-group",
                "gateway.kafka.dlq-topic", "ai.requests.dlq.compacted", "gateway.kafka.consumers", "1",
                "gateway.kafka.max-redeliveries", "1"));
        try (TestGateway other = TestGateway.start(settings)) {
            RecordMetadata bad = env.kafka.sendTo("ai.requests.skip", 0, null, "not json, no key");
            String next = "after-skip-" + UUID.randomUUID();
            RecordMetadata good = env.kafka.sendTo("ai.requests.skip", 0, null, "{\"prompt\":\"next\",\"request_id\":\"" + next + "\"}");
            env.kafka.awaitCommitted("skip-group", bad, good); // the partition moved on
            // the next record was answered (once per time its partition was rewound to the bad one before it)
            List<ConsumerRecord<byte[], byte[]>> answers = withIdPrefix(env.kafka.readAll("ai.responses"), next);
            assertFalse(answers.isEmpty());
            assertTrue(answers.stream().allMatch(r -> json(r).path("success").asBoolean()));
            assertTrue(env.kafka.readAll("ai.requests.dlq.compacted").isEmpty());
            String metrics = other.management("/observe/metrics").body();
            assertTrue(metrics.contains("gateway_kafka_skipped_records_total 1.0"), metrics.lines()
                    .filter(l -> l.contains("skipped")).toList().toString());
        }
    }

    private static ConsumerRecord<byte[], byte[]> only(List<ConsumerRecord<byte[], byte[]>> all, String id) {
        List<ConsumerRecord<byte[], byte[]>> mine = withIdPrefix(all, id);
        assertEquals(1, mine.size(), "one reply for " + id + ", got " + mine.size());
        return mine.get(0);
    }
}

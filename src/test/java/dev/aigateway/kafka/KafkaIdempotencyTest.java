package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.idempotency.Idempotency;
import dev.aigateway.simulator.Faults;

/**
 * Idempotent replies on a real broker: the store is the compacted topic ai.replies.cache, read whole by
 * every instance. A duplicate Kafka record gets the stored reply (marked x-gateway-replayed), a re-delivered
 * record is committed without a second reply, and a restarted gateway still knows every stored reply.
 */
class KafkaIdempotencyTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of());

    static String record(String id, String text) {
        return "{\"prompt\":\"" + text + "\",\"request_id\":\"" + id + "\"}";
    }

    static List<ConsumerRecord<byte[], byte[]>> replies(String id, int atLeast) {
        return withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> withIdPrefix(all, id).size() >= atLeast), id);
    }

    @Test
    void theStoreIsACompactedTopicAndHttpRepliesLandThere() throws Exception {
        String id = "khttp-" + UUID.randomUUID();
        HttpResponse<String> first = env.gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"" + id
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"store me\"}]}");
        assertEquals(200, first.statusCode(), first.body());
        List<ConsumerRecord<byte[], byte[]>> stored = env.kafka.readUntil("ai.replies.cache", Duration.ofSeconds(20),
                all -> all.stream().anyMatch(r -> id.equals(text(r.key()))));
        ConsumerRecord<byte[], byte[]> entry = stored.stream().filter(r -> id.equals(text(r.key()))).findFirst().orElseThrow();
        assertEquals("Simulated openai (gpt-4.1) answering: store me",
                json(entry).at("/reply/body/choices/0/message/content").asText(), "the stored reply is what the client got");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafka.brokers()))) {
            var config = admin.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "ai.replies.cache"))).all().get().values()
                    .iterator().next();
            assertTrue(config.get("cleanup.policy").value().contains("compact"), config.get("cleanup.policy").value());
        }
        var registry = org.apache.camel.health.HealthCheckRegistry.get(env.gw.context());
        var check = registry.stream().filter(c -> c.getId().equals("idempotency-store")).findFirst();
        assertTrue(check.isPresent(), "readiness check idempotency-store: " + registry.stream().map(c -> c.getId()).toList());
        assertEquals(org.apache.camel.health.HealthCheck.State.UP, ((org.apache.camel.health.HealthCheck) check.get())
                .call().getState());
    }

    @Test
    void aReplyGivenByOneInstanceIsReplayedByAnotherRunningOne() {
        try (TestGateway other = env.kafka.startGateway(Map.of())) {
            String id = "kother-" + UUID.randomUUID();
            String body = "{\"model\":\"gpt-4.1\",\"request_id\":\"" + id
                    + "\",\"messages\":[{\"role\":\"user\",\"content\":\"any instance\"}]}";
            HttpResponse<String> first = env.gw.chat(body);
            assertEquals(200, first.statusCode(), first.body());
            // eventually consistent: the other instance's reader has the entry within moments
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> other.context().getRegistry()
                    .lookupByNameAndType("idempotency", Idempotency.class).store().get(id) != null);
            HttpResponse<String> there = other.chat(body);
            assertEquals("true", there.headers().firstValue(Idempotency.REPLAYED).orElse(null));
            assertEquals(TestGateway.json(first).path("choices"), TestGateway.json(there).path("choices"));
            assertEquals(0, other.sim("openai").calls(), "the other instance called no provider");
            assertEquals(1, env.gw.sim("openai").calls());
        }
    }

    @Test
    void aNewInstanceReadsOnlyTheEntriesYoungerThanTheTtl() throws Exception {
        String old = "old-" + UUID.randomUUID();
        String young = "young-" + UUID.randomUUID();
        long now = System.currentTimeMillis();
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", env.kafka.brokers()), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (Object[] e : new Object[][] { { old, now - 20 * 60_000 }, { young, now - 60_000 }, { "junk-" + young, now } }) {
                String id = (String) e[0];
                long at = (Long) e[1];
                String value = id.startsWith("junk") ? "not json" : "{\"scope\":\"http/-\",\"stored_at\":" + at
                        + ",\"origin\":null,\"reply\":{\"body\":{\"id\":\"" + id + "\"}}}";
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("ai.replies.cache", 0, at,
                        id.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        value.getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
            }
        }
        try (var store = dev.aigateway.idempotency.StoredReplies.onTopic(10 * 60_000, 100, "ai.replies.cache",
                Map.of("bootstrap.servers", env.kafka.brokers()))) {
            assertTrue(store.awaitCaughtUp(30_000), "caught up with the topic");
            assertEquals(young, store.get(young).reply().at("/body/id").asText(), "a reply younger than the TTL is read");
            assertNull(store.get(old), "an entry older than the TTL is not");
            assertNull(store.get("junk-" + young), "an unreadable record is skipped");
        }
    }

    @Test
    void aSecondRecordWithTheSameRequestIdGetsTheStoredReplyMarkedReplayed() {
        String id = "kdup-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", record(id, "kafka once"));
        ConsumerRecord<byte[], byte[]> first = replies(id, 1).get(0);
        RecordMetadata again = env.kafka.send("ai.requests", "k", record(id, "kafka once"));
        List<ConsumerRecord<byte[], byte[]>> both = replies(id, 2);
        env.kafka.awaitCommitted(again);
        assertEquals(2, both.size(), "one reply per record");
        assertNull(header(first, Idempotency.REPLAYED), "the first is the provider's answer");
        ConsumerRecord<byte[], byte[]> second = both.get(1);
        assertEquals("true", header(second, Idempotency.REPLAYED));
        assertEquals(id, header(second, "correlation-id"));
        assertEquals("k", text(second.key()));
        assertEquals(json(first), json(second), "the same reply");
        assertEquals("Simulated openai (gpt-4.1) answering: kafka once", json(second).path("content").asText());
        assertEquals(1, env.gw.sim("openai").calls(), "one provider call");
    }

    @Test
    void concurrentDuplicateRecordsMakeOneProviderCall() {
        env.gw.sim("openai").faults(Faults.none(800));
        String id = "kconc-" + UUID.randomUUID();
        RecordMetadata last = null;
        for (int i = 0; i < 3; i++) {
            last = env.kafka.send("ai.requests", "same", record(id, "at once"));
        }
        List<ConsumerRecord<byte[], byte[]>> all = replies(id, 3);
        env.kafka.awaitCommitted(last);
        assertEquals(3, all.size());
        assertEquals(1, env.gw.sim("openai").calls(), "the duplicates waited for the first");
        assertEquals(2, all.stream().filter(r -> "true".equals(header(r, Idempotency.REPLAYED))).count());
        all.forEach(r -> assertEquals("Simulated openai (gpt-4.1) answering: at once", json(r).path("content").asText()));
    }

    @Test
    void afterARestartAReDeliveredRecordIsCommittedWithoutASecondReply() throws Exception {
        String id = "kredo-" + UUID.randomUUID();
        String httpId = "hredo-" + UUID.randomUUID();
        String failId = "kfail-" + UUID.randomUUID();
        RecordMetadata sent = env.kafka.send("ai.requests", "r", record(id, "answered once"));
        assertEquals(1, replies(id, 1).size());
        env.kafka.awaitCommitted(sent);
        // a record that fails (unknown model): its failure reply is stored for this record too
        RecordMetadata failed = env.kafka.send("ai.requests", "r", "{\"prompt\":\"no such model\",\"model\":\"gpt-9\","
                + "\"request_id\":\"" + failId + "\"}");
        assertFalse(json(replies(failId, 1).get(0)).path("success").asBoolean());
        env.kafka.awaitCommitted(failed);
        HttpResponse<String> http = env.gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"" + httpId
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"over http\"}]}");
        assertEquals(200, http.statusCode());
        env.gw.close();

        // the crash case: the record's offset was not committed, so the group reads it again
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.kafka.brokers()))) {
            Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> {
                        Map<TopicPartition, OffsetAndMetadata> rewind = new java.util.HashMap<>();
                        rewind.put(partition, new OffsetAndMetadata(sent.offset()));
                        rewind.merge(new TopicPartition(failed.topic(), failed.partition()),
                                new OffsetAndMetadata(failed.offset()), (a, b) -> a.offset() <= b.offset() ? a : b);
                        admin.alterConsumerGroupOffsets("ai-failover-gateway", rewind).all().get();
                        return true;
                    });
        }
        env.gw = env.kafka.startGateway(Map.of()); // a new instance: its store is read from the topic
        env.kafka.awaitCommitted(sent);
        env.kafka.awaitCommitted(failed);
        assertEquals(1, env.kafka.readAll("ai.responses").stream().filter(r -> failId.equals(header(r, "correlation-id")))
                .count(), "a re-delivered failed record gets no second failure reply");
        // another record with that id is a retry: tried anew (and answered this time)
        RecordMetadata retry = env.kafka.send("ai.requests", "r", record(failId, "retry after a failure"));
        List<ConsumerRecord<byte[], byte[]>> afterRetry = replies(failId, 2);
        env.kafka.awaitCommitted(retry);
        assertTrue(json(afterRetry.get(1)).path("success").asBoolean(), json(afterRetry.get(1)).toString());
        assertNull(header(afterRetry.get(1), Idempotency.REPLAYED), "not a replay of the failure");
        assertEquals(1, env.gw.sim("openai").calls(), "the retry called the provider");
        env.gw.sim("openai").reset();
        assertEquals(1, env.kafka.readAll("ai.responses").stream().filter(r -> id.equals(header(r, "correlation-id"))).count(),
                "exactly one reply for the request_id");
        assertEquals(0, env.gw.sim("openai").calls(), "no provider call for the re-delivered record");
        String metrics = env.gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("gateway_idempotency_replays_total{ingress=\"kafka\",kind=\"redelivery\"} 2.0"), "both re-deliveries: " + metrics);

        HttpResponse<String> again = env.gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"" + httpId
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"over http\"}]}");
        assertEquals("true", again.headers().firstValue(Idempotency.REPLAYED).orElse(null), "HTTP replies survive too");
        assertEquals(TestGateway.json(http).path("choices"), TestGateway.json(again).path("choices"));
        assertEquals(0, env.gw.sim("openai").calls());
    }
}

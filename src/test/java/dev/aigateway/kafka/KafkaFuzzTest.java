package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.chaos.Fuzz;

/** 1,000 bad records on the request topic: every one a dead letter (none lost, none twice), none reaches a provider. */
class KafkaFuzzTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of());

    @Test
    void everyBadRecordIsDeadLetteredAndTheGatewayKeepsServing() {
        List<byte[]> inputs = Fuzz.inputs(7, 1_000, 0);
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            records.put("fuzz-" + i, inputs.get(i));
        }
        env.kafka.sendBytes("ai.requests", records);
        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readUntil("ai.requests.dlq", Duration.ofSeconds(120),
                all -> fuzzKeys(all).size() >= 1_000);
        List<String> keys = dead.stream().map(r -> KafkaTestSupport.text(r.key())).filter(k -> k != null && k.startsWith("fuzz-")).toList();
        Set<String> distinct = Set.copyOf(keys);
        System.out.println("CHAOS kafka-fuzz: sent=1000 dead-lettered=" + distinct.size() + " lost=" + (1_000 - distinct.size())
                + " duplicated=" + (keys.size() - distinct.size()) + " codes=" + dead.stream()
                        .collect(Collectors.groupingBy(r -> String.valueOf(KafkaTestSupport.header(r, "dlq-code")), Collectors.counting())));
        assertEquals(1_000, distinct.size(), "every bad record is a dead letter");
        assertEquals(keys.size(), distinct.size(), "none twice");
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(0, env.gw.sim(p).calls(), "no bad record reached " + p);
        }
        env.kafka.send("ai.requests", "ok", "{\"prompt\":\"still serving\",\"request_id\":\"fuzz-after\"}");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !KafkaTestSupport.withIdPrefix(all, "fuzz-after").isEmpty());
        assertTrue(KafkaTestSupport.json(KafkaTestSupport.withIdPrefix(replies, "fuzz-after").get(0)).path("success").asBoolean());
    }

    /**
     * Kafka-only cases (identifiers the gateway would echo into a reply, its key or header, and reply-to
     * topics): each is one dead letter naming the field, no provider call, a failure reply only when the
     * request_id itself is valid, and the partition moves on (the record after them is answered).
     */
    @Test
    void badIdentifiersAndReplyTopicsAreDeadLetteredOnceEach() {
        long callsBefore = env.gw.sim("openai").calls();
        Set<String> topicsBefore = env.kafka.topics();
        String p = "{\"prompt\":\"x\",";
        // key -> {value, expected dlq-code, reply expected?, headers...}
        Object[][] cases = {
                { "kfuzz-600k-id", p + "\"request_id\":\"" + "r".repeat(600_000) + "\"}", "invalid_identifier", false },
                { "kfuzz-crlf-id", p + "\"request_id\":\"r-1\\r\\nx-injected: 1\"}", "invalid_identifier", false },
                { "kfuzz-del-id", p + "\"request_id\":\"r-\u007f-1\"}", "invalid_identifier", false },
                { "kfuzz-crlf-session", p + "\"request_id\":\"kfuzz-crlf-session\",\"session_id\":\"s\\r\\n\"}",
                        "invalid_identifier", true },
                { "kfuzz-crlf-chain", p + "\"request_id\":\"kfuzz-crlf-chain\"}", "invalid_identifier", true,
                        "x-gateway-chain", "default\r\nx-injected: 1" },
                { "kfuzz-missing-topic", p + "\"request_id\":\"kfuzz-missing-topic\"}", "reply_to_unknown_topic", true,
                        "reply-to", "ai.responses.kfuzz-missing" },
                { "kfuzz-huge-reply-to", p + "\"request_id\":\"kfuzz-huge-reply-to\"}", "invalid_identifier", true,
                        "reply-to", "ai.responses." + "t".repeat(200_000) },
        };
        List<RecordMetadata> sent = new java.util.ArrayList<>();
        for (Object[] c : cases) {
            String[] headers = java.util.Arrays.copyOfRange(c, 4, c.length, String[].class);
            sent.add(env.kafka.send("ai.requests", "kfuzz-partition", (String) c[1], headers));
            // the key decides the partition: all in one, so the record after them proves it moves on
        }
        String after = "kfuzz-after-" + java.util.UUID.randomUUID();
        sent.add(env.kafka.send("ai.requests", "kfuzz-partition", "{\"prompt\":\"next\",\"request_id\":\"" + after + "\"}"));
        env.kafka.awaitCommitted(sent.toArray(RecordMetadata[]::new));

        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readAll("ai.requests.dlq");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readAll("ai.responses");
        for (int i = 0; i < cases.length; i++) {
            Object[] c = cases[i];
            RecordMetadata at = sent.get(i);
            String where = at.partition() + "@" + at.offset();
            List<ConsumerRecord<byte[], byte[]>> mine = dead.stream().filter(r -> where.equals(
                    KafkaTestSupport.header(r, "dlq-source-partition") + "@" + KafkaTestSupport.header(r, "dlq-source-offset")))
                    .toList();
            assertEquals(1, mine.size(), c[0] + ": one dead letter");
            assertEquals(c[2], KafkaTestSupport.header(mine.get(0), "dlq-code"), (String) c[0]);
            List<JsonNode> answers = replies.stream().map(KafkaTestSupport::json)
                    .filter(r -> c[0].equals(r.path("request_id").asText())).toList();
            if ((Boolean) c[3]) {
                assertEquals(1, answers.size(), c[0] + ": one failure reply");
                assertEquals(c[2], answers.get(0).at("/error/code").asText());
                assertTrue(answers.get(0).path("session_id").isNull(), "an invalid session_id is not echoed");
            }
        }
        assertTrue(replies.stream().allMatch(r -> r.value().length < 10_000
                && KafkaTestSupport.header(r, "correlation-id").matches("[A-Za-z0-9._:-]{1,128}")),
                "no reply echoes an invalid request_id");
        assertTrue(KafkaTestSupport.json(KafkaTestSupport.withIdPrefix(replies, after).get(0)).path("success").asBoolean(),
                "the record after them is answered");
        assertEquals(callsBefore + 1, env.gw.sim("openai").calls(), "only the good record reached a provider");
        assertEquals(topicsBefore, env.kafka.topics(), "no topic created");
    }

    private static Set<String> fuzzKeys(List<ConsumerRecord<byte[], byte[]>> all) {
        return all.stream().map(r -> KafkaTestSupport.text(r.key())).filter(k -> k != null && k.startsWith("fuzz-"))
                .collect(Collectors.toSet());
    }
}

package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.chaos.Fuzz;

/** 1,000 bad records on the request topic: every one a dead letter (none lost, none twice), none reaches a provider. */
class KafkaFuzzTest {
    static KafkaTestSupport kafka;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        kafka = new KafkaTestSupport();
        gw = kafka.startGateway(Map.of());
    }

    @AfterAll
    static void stop() {
        gw.close();
        kafka.close();
    }

    @Test
    void everyBadRecordIsDeadLetteredAndTheGatewayKeepsServing() {
        List<byte[]> inputs = Fuzz.inputs(7, 1_000, 0);
        Map<String, byte[]> records = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            records.put("fuzz-" + i, inputs.get(i));
        }
        kafka.sendBytes("ai.requests", records);
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.readUntil("ai.requests.dlq", Duration.ofSeconds(120),
                all -> fuzzKeys(all).size() >= 1_000);
        List<String> keys = dead.stream().map(r -> KafkaTestSupport.text(r.key())).filter(k -> k != null && k.startsWith("fuzz-")).toList();
        Set<String> distinct = Set.copyOf(keys);
        System.out.println("CHAOS kafka-fuzz: sent=1000 dead-lettered=" + distinct.size() + " lost=" + (1_000 - distinct.size())
                + " duplicated=" + (keys.size() - distinct.size()) + " codes=" + dead.stream()
                        .collect(Collectors.groupingBy(r -> String.valueOf(KafkaTestSupport.header(r, "dlq-code")), Collectors.counting())));
        assertEquals(1_000, distinct.size(), "every bad record is a dead letter");
        assertEquals(keys.size(), distinct.size(), "none twice");
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            assertEquals(0, gw.sim(p).calls(), "no bad record reached " + p);
        }
        kafka.send("ai.requests", "ok", "{\"prompt\":\"still serving\",\"request_id\":\"fuzz-after\"}");
        List<ConsumerRecord<byte[], byte[]>> replies = kafka.readUntil("ai.responses", Duration.ofSeconds(30),
                all -> !KafkaTestSupport.withIdPrefix(all, "fuzz-after").isEmpty());
        assertTrue(KafkaTestSupport.json(KafkaTestSupport.withIdPrefix(replies, "fuzz-after").get(0)).path("success").asBoolean());
    }

    private static Set<String> fuzzKeys(List<ConsumerRecord<byte[], byte[]>> all) {
        return all.stream().map(r -> KafkaTestSupport.text(r.key())).filter(k -> k != null && k.startsWith("fuzz-"))
                .collect(Collectors.toSet());
    }
}

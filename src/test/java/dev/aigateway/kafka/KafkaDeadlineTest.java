package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** The Kafka record header x-gateway-timeout-ms bounds a request as over HTTP: failure reply deadline_exceeded. */
class KafkaDeadlineTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of());

    @Test
    void aRecordWhoseDeadlinePassesGetsADeadlineExceededReplyAndNoFurtherCall() {
        env.gw.reset();
        // a first record warms the path (consumer, HTTP client) so that the deadline below is the provider's
        String warm = "warm-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"warm\",\"request_id\":\"" + warm + "\"}");
        env.kafka.readUntil("ai.responses", Duration.ofSeconds(20), all -> !withIdPrefix(all, warm).isEmpty());
        env.gw.reset();
        env.gw.sim("openai").faults(Faults.none(3000));
        String id = "deadline-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"slow\",\"request_id\":\"" + id + "\"}", "x-gateway-timeout-ms", "1000");
        List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, id).isEmpty()), id);
        assertEquals(1, replies.size());
        JsonNode reply = json(replies.get(0));
        assertEquals(false, reply.path("success").asBoolean(), reply.toString());
        assertEquals("deadline_exceeded", reply.at("/error/code").asText(), reply.toString());
        assertEquals("openai", reply.at("/attempts/0/provider").asText(), reply.toString());
        assertEquals(1, reply.path("attempts").size(), reply.toString());
        assertEquals(0, env.gw.sim("anthropic").calls() + env.gw.sim("deepseek").calls(), "no call after the deadline");
    }
}

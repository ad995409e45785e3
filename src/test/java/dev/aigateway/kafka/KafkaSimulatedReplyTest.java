package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/** A reply written by the embedded simulator (the offline demo: no provider key) says so: "simulated": true. */
class KafkaSimulatedReplyTest {

    @Test
    void aDemoReplyIsMarkedSimulated() throws Exception {
        Map<String, String> s = new HashMap<>();
        s.put("gateway.simulator.mode", "auto");
        s.put("gateway.simulator.port", String.valueOf(AvailablePortFinder.getNextAvailable()));
        for (String p : new String[] { "openai", "anthropic", "deepseek", "holysheep", "gemini" }) {
            s.put("provider." + p + ".api-key-env", "AIGW_TEST_NO_SUCH_" + p.toUpperCase() + "_KEY");
        }
        try (KafkaTestSupport kafka = new KafkaTestSupport(); TestGateway gw = kafka.startGateway(s)) {
            String id = "sim-" + UUID.randomUUID();
            kafka.send("ai.requests", "k", "{\"prompt\":\"demo\",\"request_id\":\"" + id + "\"}");
            List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(kafka.readUntil("ai.responses",
                    Duration.ofSeconds(30), all -> !withIdPrefix(all, id).isEmpty()), id);
            assertEquals(1, replies.size());
            JsonNode r = json(replies.get(0));
            assertTrue(r.path("success").asBoolean(), r.toString());
            assertTrue(r.path("simulated").asBoolean(), r.toString());
            assertEquals(0, gw.sim("openai").calls(), "the demo does not call the configured base URL");
        }
    }
}

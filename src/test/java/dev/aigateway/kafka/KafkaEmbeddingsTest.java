package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/** A request record with "endpoint": "embeddings" runs through the embeddings chain and is answered on the reply topic. */
class KafkaEmbeddingsTest {

    @Test
    void anEmbeddingsRecordIsAnsweredByTheBackupWithItsVectors() throws Exception {
        try (KafkaTestSupport kafka = new KafkaTestSupport(); TestGateway gw = kafka.startGateway(Map.of())) {
            gw.sim("openai").faults(Faults.of("error").withStatus(500));
            String id = "emb-" + UUID.randomUUID();
            String chatId = "emb-chat-" + UUID.randomUUID();
            String badId = "emb-bad-" + UUID.randomUUID();
            kafka.send("ai.requests", "k1", "{\"endpoint\":\"embeddings\",\"model\":\"text-embedding-3-small\","
                    + "\"input\":[\"one\",\"two\"],\"request_id\":\"" + id + "\"}");
            // a chat record naming an embeddings model, and an embeddings record naming a chat model: refused
            kafka.send("ai.requests", "k2", "{\"model\":\"text-embedding-3-small\",\"prompt\":\"hi\",\"request_id\":\""
                    + chatId + "\"}");
            kafka.send("ai.requests", "k3", "{\"endpoint\":\"embeddings\",\"model\":\"gpt-4.1\",\"input\":\"x\","
                    + "\"request_id\":\"" + badId + "\"}");
            List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(kafka.readUntil("ai.responses",
                    Duration.ofSeconds(30), all -> withIdPrefix(all, "emb-").size() >= 3), "emb-");
            assertEquals(3, replies.size());
            JsonNode r = json(withIdPrefix(replies, id).get(0));
            assertTrue(r.path("success").asBoolean(), r.toString());
            assertEquals("embeddings", r.path("endpoint").asText());
            assertEquals("embeddings", r.path("chain").asText());
            assertEquals("holysheep", r.path("provider").asText());
            assertEquals("text-embedding-3-small", r.path("model").asText());
            assertEquals(2, r.path("data").size());
            float[] expected = ProviderSimulator.simulatedVector("holysheep", "\"two\"", 1536);
            JsonNode second = r.at("/data/1/embedding");
            assertEquals(expected.length, second.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], second.get(i).floatValue());
            }
            long tokens = gw.sim("holysheep").lastUsage().prompt();
            assertEquals(tokens, r.at("/tokens_used/prompt").asLong());
            assertEquals(tokens * 0.02 / 1_000_000, r.path("cost_usd").asDouble(), 1e-15);
            assertEquals("openai", r.at("/attempts/0/provider").asText());
            assertEquals(id, header(withIdPrefix(replies, id).get(0), "correlation-id"));

            for (String refused : new String[] { chatId, badId }) {
                JsonNode f = json(withIdPrefix(replies, refused).get(0));
                assertEquals(false, f.path("success").asBoolean(true), f.toString());
                assertEquals("wrong_endpoint", f.at("/error/code").asText(), f.toString());
            }
            assertEquals(1, gw.sim("openai").calls(), "the refused records called no provider");
            assertEquals(1, gw.sim("holysheep").calls());
        }
    }
}

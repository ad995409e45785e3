package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/** The Kafka path (routes/kafka-ingress.yaml) against a real broker and real HTTP upstreams. */
class KafkaIngressTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.kafka.max-record-bytes", "20000",
            "gateway.kafka.reply-topics", "ai.responses.team-a", "gateway.unknown-fields", "drop"));

    @Test
    void roundTripCarriesTheEnvelopeAndCorrelation() {
        String id = "rt-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "session-7", "{\"prompt\":\"hello kafka\",\"system_message\":\"be brief\","
                + "\"request_id\":\"" + id + "\",\"session_id\":\"session-7\"}");
        ConsumerRecord<byte[], byte[]> reply = only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, id).isEmpty()), id);
        assertEquals("session-7", text(reply.key()), "same key as the request");
        JsonNode r = json(reply);
        assertEquals(id, r.path("request_id").asText());
        assertEquals("session-7", r.path("session_id").asText());
        assertTrue(r.path("success").asBoolean());
        assertEquals("Simulated openai (gpt-4.1) answering: hello kafka", r.path("content").asText());
        assertEquals("openai", r.path("provider").asText());
        assertEquals("gpt-4.1", r.path("model").asText());
        assertEquals("stop", r.path("finish_reason").asText());
        JsonNode tokens = r.path("tokens_used");
        assertEquals(tokens.path("prompt").asLong() + tokens.path("completion").asLong(), tokens.path("total").asLong());
        assertEquals((tokens.path("prompt").asLong() * 2.0 + tokens.path("completion").asLong() * 8.0) / 1e6,
                r.path("cost_usd").asDouble(), 1e-12);
        assertTrue(r.has("latency_ms"));
        assertEquals(1, r.path("attempts").size());
        assertEquals("ok", r.at("/attempts/0/outcome").asText());
        String metrics = env.gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("gateway_kafka_in_flight "), "Kafka in-flight gauge");
        assertTrue(metrics.contains("gateway_requests_total{chain=\"default\",ingress=\"kafka\",outcome=\"ok\"}"));
    }

    @Test
    void droppedFieldsAreNamedInTheReplyAndNeverReachTheProvider() {
        String id = "drop-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"drop me\",\"request_id\":\"" + id + "\",\"frobnicate\":7}");
        JsonNode r = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, id).isEmpty()), id));
        assertTrue(r.path("success").asBoolean(), r.toString());
        assertEquals("[\"frobnicate\"]", r.path("dropped_fields").toString());
        assertTrue(env.gw.sim("openai").lastRequest().path("messages").isArray(), "the provider was called");
        assertTrue(env.gw.sim("openai").lastRequest().path("frobnicate").isMissingNode(), "a dropped field is not sent");
    }

    @Test
    void primaryDownReplyComesFromTheSecondary() {
        env.gw.sim("openai").faults(Faults.of("error").withStatus(500));
        String id = "fb-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"messages\":[{\"role\":\"user\",\"content\":\"fall back\"}],\"request_id\":\"" + id + "\"}");
        JsonNode r = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20), all -> !withIdPrefix(all, id).isEmpty()), id));
        assertEquals("anthropic", r.path("provider").asText());
        assertEquals("claude-sonnet-4-6", r.path("model").asText());
        assertEquals("openai", r.at("/attempts/0/provider").asText());
        assertEquals("http_500", r.at("/attempts/0/outcome").asText());
        assertEquals("anthropic", r.at("/attempts/1/provider").asText());
        assertEquals("ok", r.at("/attempts/1/outcome").asText());
    }

    @Test
    void anAnswerCutMidStreamIsFinishedByTheNextProvider() {
        // the gateway streams from the provider even for Kafka: the cut answer is continued, not lost
        env.gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        String id = "cut-" + UUID.randomUUID();
        env.kafka.send("ai.requests", id, "{\"prompt\":\"finish my sentence\",\"request_id\":\"" + id + "\"}");
        JsonNode r = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20), all -> !withIdPrefix(all, id).isEmpty()), id));
        assertTrue(r.path("success").asBoolean(), r.toString());
        assertEquals("Simulated openai (gpt-4.1) answering: finish my sentence", r.path("content").asText());
        assertEquals("anthropic", r.path("provider").asText());
        assertEquals("stream_cut", r.at("/mid_stream_failover/reason").asText());
        assertEquals(2, r.path("parts").size());
        assertEquals(5 + env.gw.sim("anthropic").lastUsage().completion(), r.at("/tokens_used/completion").asLong(),
                "the cut part's 5 pieces (estimated) + what anthropic reported for the rest");
        assertEquals("stream_cut", r.at("/attempts/0/outcome").asText());
    }

    @Test
    void allFailedIsAFailureReplyNotSilence() {
        env.gw.sim("openai").faults(Faults.of("error"));
        env.gw.sim("anthropic").faults(Faults.of("error"));
        String id = "down-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"anyone\",\"chain\":\"premium\",\"request_id\":\"" + id + "\"}");
        JsonNode r = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20), all -> !withIdPrefix(all, id).isEmpty()), id));
        assertEquals(false, r.path("success").asBoolean());
        assertEquals("all_providers_failed", r.at("/error/code").asText());
        assertEquals(List.of("openai", "anthropic"), List.of(r.at("/providers_tried/0").asText(), r.at("/providers_tried/1").asText()));
    }

    @Test
    void twoHundredRequestsAgainstA1sUpstreamAreAnsweredOnceEach() {
        env.gw.sim("openai").faults(Faults.none(1_000));
        String prefix = "bulk-" + UUID.randomUUID() + "-";
        long start = System.currentTimeMillis();
        for (int i = 0; i < 200; i++) {
            env.kafka.send("ai.requests", "key-" + (i % 13), "{\"prompt\":\"n" + i + "\",\"request_id\":\"" + prefix + i + "\"}");
        }
        List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(60),
                all -> withIdPrefix(all, prefix).size() >= 200), prefix);
        System.out.printf("200 requests against a 1 s upstream answered in %d ms%n", System.currentTimeMillis() - start);
        Map<String, Long> perId = replies.stream().collect(Collectors.groupingBy(r -> header(r, "correlation-id"),
                Collectors.counting()));
        assertEquals(200, perId.size(), "every request answered");
        assertTrue(perId.values().stream().allMatch(n -> n == 1), "and exactly once: " + perId);
        for (ConsumerRecord<byte[], byte[]> r : replies) {
            String n = header(r, "correlation-id").substring(prefix.length());
            assertTrue(json(r).path("content").asText().endsWith("answering: n" + n), "each reply answers its own request");
        }
        assertEquals(200, env.gw.sim("openai").calls());
        assertTrue(env.gw.sim("openai").maxInFlight() >= 100,
                "a slow provider must not serialise the partitions: only " + env.gw.sim("openai").maxInFlight() + " at once");
    }

    @Test
    void routedByModelAsOverHttpAndTheReplySaysWhy() {
        env.gw.upstream.trackPrompts();
        String claude = "model-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"claude " + claude + "\",\"model\":\"claude-sonnet-4-6\",\"request_id\":\"" + claude + "\"}");
        String header = "model-hdr-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"header " + header + "\",\"model\":\"claude-sonnet-4-6\",\"request_id\":\"" + header + "\"}",
                "x-gateway-chain", "budget");
        String unknown = "model-unknown-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"unknown " + unknown + "\",\"model\":\"gpt-9\",\"request_id\":\"" + unknown + "\"}");
        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, claude).isEmpty() && !withIdPrefix(all, header).isEmpty()
                        && !withIdPrefix(all, unknown).isEmpty());
        JsonNode byModel = json(only(replies, claude));
        assertEquals("anthropic", byModel.path("provider").asText(), byModel.toString());
        assertEquals("claude", byModel.path("chain").asText());
        assertEquals("model=claude-sonnet-4-6", byModel.path("route").asText());
        JsonNode byHeader = json(only(replies, header));
        assertEquals("deepseek", byHeader.path("provider").asText(), "x-gateway-chain wins over model: " + byHeader);
        assertEquals("x-gateway-chain", byHeader.path("route").asText());
        JsonNode refused = json(only(replies, unknown));
        assertEquals(false, refused.path("success").asBoolean());
        assertEquals("model_not_found", refused.at("/error/code").asText(), refused.toString());
        assertTrue(refused.at("/error/message").asText().contains("claude-sonnet-4-6"), refused.toString());
        // counted by prompt: a late call left by an earlier test must not count
        Map<String, Long> calls = env.gw.upstream.callsByPrompt();
        assertEquals(1L, calls.get("claude " + claude), calls.toString());
        assertEquals(1L, calls.get("header " + header), calls.toString());
        assertEquals(null, calls.get("unknown " + unknown), "an unknown model reaches no provider: " + calls);
    }

    @Test
    void poisonRecordGoesToTheDeadLetterTopicAndTheNextIsAnswered() {
        String id = "poison-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "same-key", "{\"messages\": \"not a list\", \"request_id\": \"" + id + "\"}");
        env.kafka.send("ai.requests", "same-key", "{not json at all " + id);
        String good = "after-poison-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "same-key", "{\"prompt\":\"still alive\",\"request_id\":\"" + good + "\"}");

        List<ConsumerRecord<byte[], byte[]>> dead = env.kafka.readUntil("ai.requests.dlq", Duration.ofSeconds(20),
                all -> all.stream().filter(r -> text(r.value()).contains(id)).count() >= 2)
                .stream().filter(r -> text(r.value()).contains(id)).toList();
        assertEquals(2, dead.size());
        ConsumerRecord<byte[], byte[]> schema = dead.stream().filter(r -> text(r.value()).contains("not a list")).findFirst().orElseThrow();
        assertEquals("{\"messages\": \"not a list\", \"request_id\": \"" + id + "\"}", text(schema.value()), "original bytes kept");
        assertEquals("invalid_request", header(schema, "dlq-code"));
        assertTrue(header(schema, "dlq-reason").contains("messages"));
        assertEquals("ai.requests", header(schema, "dlq-source-topic"));
        assertTrue(Integer.parseInt(header(schema, "dlq-source-partition")) >= 0);
        assertTrue(Long.parseLong(header(schema, "dlq-source-offset")) >= 0);
        assertEquals("same-key", text(schema.key()));
        ConsumerRecord<byte[], byte[]> notJson = dead.stream().filter(r -> text(r.value()).startsWith("{not json")).findFirst().orElseThrow();
        assertEquals("invalid_json", header(notJson, "dlq-code"));

        List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, good).isEmpty() && !withIdPrefix(all, id).isEmpty());
        JsonNode failure = json(only(replies, id));
        assertEquals(false, failure.path("success").asBoolean(), "the refused request's caller hears about it");
        assertEquals("invalid_request", failure.at("/error/code").asText());
        assertEquals("still alive", json(only(replies, good)).path("content").asText().replaceAll(".*answering: ", ""));
        assertEquals(1, env.gw.sim("openai").calls(), "bad records never reach a provider");
        assertTrue(env.gw.management("/observe/metrics").body().contains("gateway_kafka_dead_letters_total{code=\"invalid_json\"}"));
    }

    @Test
    void oversizeRecordIsDeadLettered() {
        String id = "big-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"request_id\":\"" + id + "\",\"prompt\":\"" + "x".repeat(30_000) + "\"}");
        ConsumerRecord<byte[], byte[]> dead = env.kafka.readUntil("ai.requests.dlq", Duration.ofSeconds(20),
                all -> all.stream().anyMatch(r -> text(r.value()).contains(id))).stream()
                .filter(r -> text(r.value()).contains(id)).findFirst().orElseThrow();
        assertEquals("request_too_large", header(dead, "dlq-code"));
        assertTrue(dead.value().length > 30_000, "the original record, whole");
        JsonNode failure = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, id).isEmpty()), id));
        assertEquals("request_too_large", failure.at("/error/code").asText());
        assertEquals(0, env.gw.sim("openai").calls());
    }

    @Test
    void replyToMustMatchThePattern() {
        String refused = "evil-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"x\",\"request_id\":\"" + refused + "\"}", "reply-to", "billing.events");
        String allowed = "team-" + UUID.randomUUID();
        var allowedRecord = env.kafka.send("ai.requests", "k", "{\"prompt\":\"y\",\"request_id\":\"" + allowed + "\"}",
                "reply-to", "ai.responses.team-a");

        JsonNode failure = json(only(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, refused).isEmpty()), refused));
        assertEquals("reply_to_not_allowed", failure.at("/error/code").asText());
        List<ConsumerRecord<byte[], byte[]>> teamA = env.kafka.readUntil("ai.responses.team-a", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, allowed).isEmpty());
        assertTrue(json(only(teamA, allowed)).path("success").asBoolean());
        assertEquals(1, env.gw.sim("openai").calls(), "the refused one was never sent to a provider");
        env.kafka.awaitCommitted(allowedRecord); // done: anything it wrote is on the broker now
        assertTrue(withIdPrefix(env.kafka.readAll("ai.responses"), allowed).isEmpty(),
                "the allowed reply-to answer went only to its own topic");
    }

    @Test
    void theListedReplyTopicsAreCreatedAtStartUp() {
        assertTrue(env.kafka.topics().contains("ai.responses.team-a"), "gateway.kafka.reply-topics");
    }

    @Test
    void twoInstancesInOneGroupShareTheWork() throws Exception {
        Map<String, String> settings = new HashMap<>(env.kafka.gatewaySettings());
        settings.put("gateway.kafka.group-id", "shared-" + UUID.randomUUID());
        settings.put("gateway.kafka.request-topic", "ai.requests.shared");
        settings.put("gateway.kafka.consumers", "1");
        try (TestGateway a = TestGateway.start(settings); TestGateway b = TestGateway.start(settings)) {
            // both members must hold partitions before the load starts
            env.kafka.awaitStableGroup(settings.get("gateway.kafka.group-id"), 2);
            String prefix = "pair-" + UUID.randomUUID() + "-";
            for (int i = 0; i < 60; i++) {
                env.kafka.send("ai.requests.shared", "key-" + i, "{\"prompt\":\"p" + i + "\",\"request_id\":\"" + prefix + i + "\"}");
            }
            List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(40),
                    all -> withIdPrefix(all, prefix).size() >= 60), prefix);
            Set<String> ids = replies.stream().map(r -> header(r, "correlation-id")).collect(Collectors.toSet());
            assertEquals(60, ids.size(), "all answered");
            long byA = a.sim("openai").calls();
            long byB = b.sim("openai").calls();
            assertEquals(60, byA + byB);
            assertTrue(byA > 0 && byB > 0, "both instances consumed: " + byA + " / " + byB);
        }
    }

    private static ConsumerRecord<byte[], byte[]> only(List<ConsumerRecord<byte[], byte[]>> all, String id) {
        List<ConsumerRecord<byte[], byte[]>> mine = withIdPrefix(all, id);
        assertEquals(1, mine.size(), "one reply for " + id + ", got " + mine.size());
        return mine.get(0);
    }
}

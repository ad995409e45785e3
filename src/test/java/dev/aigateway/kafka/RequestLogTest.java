package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.json;
import static dev.aigateway.kafka.KafkaTestSupport.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * The request log (docs/request-log.md) against a real broker, with bodies off (the default): one record per
 * request on ai.request-log, /admin/requests and /admin/usage read back from it, and POST /admin/replay.
 */
class RequestLogTest {
    static final String ADMIN = "admin-" + UUID.randomUUID();

    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.auth.admin-key-file", adminFile().toString()));

    static Path adminFile() {
        try {
            Path f = Files.createTempFile("admin", ".key");
            Files.writeString(f, ADMIN);
            return f;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The record of {@code requestId} on the request-log topic (raw), waiting for it. */
    static ConsumerRecord<byte[], byte[]> logged(KafkaGateway env, String requestId) {
        List<ConsumerRecord<byte[], byte[]>> all = env.kafka.readUntil("ai.request-log", Duration.ofSeconds(20),
                rs -> rs.stream().anyMatch(r -> requestId.equals(text(r.key()))));
        List<ConsumerRecord<byte[], byte[]>> mine = all.stream().filter(r -> requestId.equals(text(r.key()))).toList();
        assertEquals(1, mine.size(), "one record for " + requestId);
        return mine.get(0);
    }

    static HttpResponse<String> admin(KafkaGateway env, String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + env.gw.adminPort + path))
                .timeout(Duration.ofSeconds(60)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return env.gw.client().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode awaitInWindow(KafkaGateway env, String requestId) {
        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> admin(env, "GET", "/admin/requests/" + requestId, null).statusCode() == 200);
        return TestGateway.json(admin(env, "GET", "/admin/requests/" + requestId, null));
    }

    static String chatWithId(String id, String text) {
        return "{\"model\":\"gpt-4.1\",\"request_id\":\"" + id + "\",\"messages\":[{\"role\":\"user\",\"content\":\""
                + text + "\"}]}";
    }

    @Test
    void anHttpRequestAfterAFailoverIsLoggedWithItsAttemptsTokensAndCostButNoText() {
        env.gw.sim("openai").faults(Faults.of("error").withStatus(500));
        String id = "log-" + UUID.randomUUID();
        String secretPrompt = "prompt-text-" + UUID.randomUUID();
        HttpResponse<String> r = env.gw.chat(chatWithId(id, secretPrompt));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode usage = TestGateway.json(r).path("usage");

        ConsumerRecord<byte[], byte[]> raw = logged(env, id);
        String text = text(raw.value());
        assertFalse(text.contains(secretPrompt), "bodies off: no prompt text on the topic: " + text);
        assertFalse(text.contains("Simulated anthropic"), "bodies off: no answer text on the topic: " + text);
        JsonNode rec = json(raw);
        assertEquals(id, rec.path("request_id").asText());
        assertEquals("http", rec.path("ingress").asText());
        assertEquals("chat.completions", rec.path("api").asText());
        assertEquals("default", rec.path("chain").asText());
        assertEquals("anthropic", rec.path("provider").asText());
        assertEquals("ok", rec.path("outcome").asText());
        assertEquals(200, rec.path("status").asInt());
        assertTrue(rec.path("key_id").isNull(), "auth off: no key");
        assertEquals(2, rec.path("attempts").size(), rec.toString());
        assertEquals("openai", rec.at("/attempts/0/provider").asText());
        assertEquals(500, rec.at("/attempts/0/status").asInt());
        assertNotEquals("ok", rec.at("/attempts/0/outcome").asText());
        assertEquals("anthropic", rec.at("/attempts/1/provider").asText());
        assertEquals("ok", rec.at("/attempts/1/outcome").asText());
        assertEquals(usage.path("prompt_tokens").asLong(), rec.path("prompt_tokens").asLong());
        assertEquals(usage.path("completion_tokens").asLong(), rec.path("completion_tokens").asLong());
        assertTrue(rec.path("prompt_tokens").asLong() > 0);
        assertEquals(TestGateway.json(r).at("/gateway/cost_usd").asDouble(), rec.path("cost_usd").asDouble(), 1e-12);
        assertTrue(rec.path("cost_usd").asDouble() > 0);
        assertEquals("stop", rec.path("finish_reason").asText());
        assertFalse(rec.path("replayable").asBoolean(), "HTTP without its body cannot be replayed");
        assertFalse(rec.has("request") || rec.has("answer") || rec.has("source"), rec.toString());

        // the same record, read back from the topic, at /admin/requests/{id}
        assertEquals(rec, awaitInWindow(env, id));
        assertEquals(404, admin(env, "GET", "/admin/requests/no-such-" + UUID.randomUUID(), null).statusCode());
    }

    @Test
    void everyClientApiAndARefusedRequestGetTheirRecord() {
        String messages = "msg-" + UUID.randomUUID();
        HttpResponse<String> m = env.gw.post("/v1/messages", "application/json", "{\"model\":\"claude-sonnet-4-6\","
                + "\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "idempotency-key", messages);
        assertEquals(200, m.statusCode(), m.body());
        JsonNode rec = json(logged(env, messages));
        assertEquals("messages", rec.path("api").asText());
        assertEquals("anthropic", rec.path("provider").asText());

        String responses = "resp-" + UUID.randomUUID();
        HttpResponse<String> r = env.gw.post("/v1/responses", "application/json", "{\"model\":\"gpt-4.1\",\"input\":\"hi\"}",
                "idempotency-key", responses);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("responses", json(logged(env, responses)).path("api").asText());

        // refused before any provider: still one record, with its status
        String bad = "bad-" + UUID.randomUUID();
        HttpResponse<String> refused = env.gw.chat("{\"model\":\"gpt-4.1\",\"messages\":[]}", "idempotency-key", bad);
        assertEquals(400, refused.statusCode());
        JsonNode badRec = json(logged(env, bad));
        assertEquals(400, badRec.path("status").asInt());
        assertEquals("rejected", badRec.path("outcome").asText());
        assertEquals(0, badRec.path("attempts").size());
    }

    @Test
    void aKafkaRequestIsLoggedWithItsSourceAndReplayedOnlyToTheReplayTopic() {
        String id = "kafka-" + UUID.randomUUID();
        RecordMetadata sent = env.kafka.send("ai.requests", "k-" + id, "{\"prompt\":\"replay me\",\"request_id\":\"" + id + "\"}");
        JsonNode rec = json(logged(env, id));
        assertEquals("kafka", rec.path("ingress").asText());
        assertEquals("openai", rec.path("provider").asText());
        assertEquals("ai.requests", rec.at("/source/topic").asText());
        assertEquals(sent.partition(), rec.at("/source/partition").asInt());
        assertEquals(sent.offset(), rec.at("/source/offset").asLong());
        assertTrue(rec.path("replayable").asBoolean());
        awaitInWindow(env, id);
        int repliesBefore = env.kafka.readAll("ai.responses").size();

        try (AuditLog audit = new AuditLog()) {
            HttpResponse<String> r = admin(env, "POST", "/admin/replay", "{\"topic\":\"ai.requests\",\"partition\":"
                    + sent.partition() + ",\"offset\":" + sent.offset() + ",\"chain\":\"claude\"}",
                    "Authorization", "Bearer " + ADMIN);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode out = TestGateway.json(r);
            assertEquals(id, out.at("/original/request_id").asText(), "the original's record, from the window");
            assertEquals("openai", out.at("/original/provider").asText());
            JsonNode replay = out.path("replay");
            String newId = replay.path("request_id").asText();
            assertNotEquals(id, newId);
            assertEquals("claude", replay.path("chain").asText());
            assertEquals("anthropic", replay.path("provider").asText());
            assertEquals("anthropic", replay.at("/attempts/0/provider").asText());
            assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: replay me", replay.path("answer").asText());
            assertEquals("ai.responses.replay", out.path("published_to").asText());

            List<ConsumerRecord<byte[], byte[]>> published = env.kafka.readUntil("ai.responses.replay", Duration.ofSeconds(20),
                    rs -> rs.stream().anyMatch(x -> newId.equals(KafkaTestSupport.header(x, "correlation-id"))));
            ConsumerRecord<byte[], byte[]> onReplay = published.stream()
                    .filter(x -> newId.equals(KafkaTestSupport.header(x, "correlation-id"))).findFirst().orElseThrow();
            assertEquals("k-" + id, text(onReplay.key()), "same key as the request record");
            assertEquals("anthropic", json(onReplay).path("provider").asText());
            assertEquals(id, json(onReplay).at("/replay_of/request_id").asText());
            List<ConsumerRecord<byte[], byte[]>> replies = env.kafka.readAll("ai.responses");
            assertEquals(repliesBefore, replies.size(), "nothing more on the original reply topic");
            assertTrue(replies.stream().noneMatch(x -> text(x.value()).contains(newId)));

            // the replay is a request of its own in the log (ingress replay), charged to no key
            JsonNode replayRec = json(logged(env, newId));
            assertEquals("replay", replayRec.path("ingress").asText());
            assertEquals("anthropic", replayRec.path("provider").asText());

            assertEquals(1, audit.lines("replay by admin key sha256:").stream()
                    .filter(l -> l.contains("topic=ai.requests partition=" + sent.partition() + " offset=" + sent.offset())
                            && l.contains("chain=claude") && l.contains("127.0.0.1") && l.contains(newId)).count(),
                    "one audit line saying who, what, when");
            assertFalse(String.join("\n", audit.lines("")).contains(ADMIN), "never the admin key itself");
        }

        // by request_id: bodies are off, so the record is read again from its source; the chain is its own
        HttpResponse<String> byId = admin(env, "POST", "/admin/replay", "{\"request_id\":\"" + id + "\"}",
                "Authorization", "Bearer " + ADMIN);
        assertEquals(200, byId.statusCode(), byId.body());
        assertEquals("openai", TestGateway.json(byId).at("/replay/provider").asText());
        assertEquals("default", TestGateway.json(byId).at("/replay/chain").asText());
    }

    @Test
    void noRequestMayReplyOnTheReplayTopic() {
        String id = "sneaky-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"x\",\"request_id\":\"" + id + "\"}", "reply-to", "ai.responses.replay");
        JsonNode failure = json(KafkaTestSupport.withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !KafkaTestSupport.withIdPrefix(all, id).isEmpty()), id).get(0));
        assertEquals("reply_to_not_allowed", failure.at("/error/code").asText());
        assertTrue(failure.at("/error/message").asText().contains("gateway.request-log.replay-topic"));
        assertEquals(0, env.gw.sim("openai").calls(), "never sent to a provider");
    }

    @Test
    void replayRefusesWithoutTheAdminKeyAnOtherTopicAndAnHttpRequestWithoutBody() {
        String id = "nobody-" + UUID.randomUUID();
        assertEquals(200, env.gw.chat(chatWithId(id, "hello")).statusCode());
        awaitInWindow(env, id);
        try (AuditLog audit = new AuditLog()) {
            HttpResponse<String> none = admin(env, "POST", "/admin/replay", "{\"request_id\":\"" + id + "\"}");
            assertEquals(401, none.statusCode(), none.body());
            HttpResponse<String> wrong = admin(env, "POST", "/admin/replay", "{\"request_id\":\"" + id + "\"}",
                    "Authorization", "Bearer not-" + ADMIN);
            assertEquals(401, wrong.statusCode(), wrong.body());
            assertEquals(2, audit.lines("replay refused").size(), "refusals are audited too");
        }
        HttpResponse<String> needsBody;
        try (AuditLog audit = new AuditLog()) {
            needsBody = admin(env, "POST", "/admin/replay", "{\"request_id\":\"" + id + "\"}", "Authorization", "Bearer " + ADMIN);
            assertEquals(1, audit.lines("request_id=" + id).size(), "the attempt is audited before it is refused");
            assertEquals(1, audit.lines("not run: replay_needs_body").size());
        }
        assertEquals(409, needsBody.statusCode(), needsBody.body());
        assertEquals("replay_needs_body", TestGateway.json(needsBody).at("/error/code").asText());
        assertTrue(needsBody.body().contains("gateway.request-log.bodies"), needsBody.body());

        HttpResponse<String> otherTopic = admin(env, "POST", "/admin/replay", "{\"topic\":\"ai.key-usage\",\"partition\":0,"
                + "\"offset\":0}", "Authorization", "Bearer " + ADMIN);
        assertEquals(400, otherTopic.statusCode(), otherTopic.body());
        assertEquals("replay_topic_not_allowed", TestGateway.json(otherTopic).at("/error/code").asText());
        HttpResponse<String> beyond = admin(env, "POST", "/admin/replay", "{\"topic\":\"ai.requests\",\"partition\":0,"
                + "\"offset\":999999}", "Authorization", "Bearer " + ADMIN);
        assertEquals(404, beyond.statusCode(), beyond.body());
    }

    @Test
    void adminRequestsFiltersAndUsageSumsMatchTheRequestsSent() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        // chain deepseek: no other test of this class sends to it, so its usage is exactly these requests
        List<JsonNode> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = env.gw.chat(chatWithId("u-" + tag + "-" + i, "usage " + i), "x-gateway-chain", "deepseek");
            assertEquals(200, r.statusCode());
            answers.add(TestGateway.json(r));
        }
        HttpResponse<String> c = env.gw.chat(chatWithId("u-" + tag + "-claude", "to claude"), "x-gateway-chain", "claude");
        assertEquals(200, c.statusCode());
        awaitInWindow(env, "u-" + tag + "-claude");
        for (int i = 0; i < 3; i++) {
            awaitInWindow(env, "u-" + tag + "-" + i);
        }
        long tokens = answers.stream().mapToLong(a -> a.at("/usage/total_tokens").asLong()).sum();
        double cost = answers.stream().mapToDouble(a -> a.at("/gateway/cost_usd").asDouble()).sum();
        String model = answers.get(0).path("model").asText();
        JsonNode usage = usageNow();
        assertEquals(3, total(usage, "by_provider", "deepseek", "requests"), usage.toString());
        assertEquals(tokens, total(usage, "by_provider", "deepseek", "tokens"));
        assertTrue(tokens > 0);
        assertEquals(cost, totalCost(usage, "deepseek"), 1e-12);
        assertEquals(3, total(usage, "by_model", model, "requests"), model);
        assertEquals(60, usage.path("series").size());
        assertEquals(60, usage.path("bucket_seconds").asInt());

        JsonNode claude = TestGateway.json(admin(env, "GET", "/admin/requests?chain=claude&limit=1000", null));
        assertTrue(claude.path("data").size() >= 1);
        claude.path("data").forEach(r -> assertEquals("claude", r.path("chain").asText()));
        assertTrue(ids(claude).contains("u-" + tag + "-claude"));
        assertFalse(ids(claude).contains("u-" + tag + "-0"));
        JsonNode anthropic = TestGateway.json(admin(env, "GET", "/admin/requests?provider=anthropic&outcome=ok&limit=1000", null));
        assertTrue(ids(anthropic).contains("u-" + tag + "-claude"));
        assertFalse(ids(anthropic).contains("u-" + tag + "-1"));
        JsonNode two = TestGateway.json(admin(env, "GET", "/admin/requests?limit=2", null));
        assertEquals(2, two.path("data").size());
        assertEquals("u-" + tag + "-claude", two.at("/data/0/request_id").asText(), "newest first");
        assertEquals(0, TestGateway.json(admin(env, "GET", "/admin/requests?key=no-such-key", null)).path("data").size());
        HttpResponse<String> badLimit = admin(env, "GET", "/admin/requests?limit=0", null);
        assertEquals(400, badLimit.statusCode());
        assertEquals("limit", TestGateway.json(badLimit).at("/error/param").asText());
    }

    private static List<String> ids(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.path("data").forEach(r -> out.add(r.path("request_id").asText()));
        return out;
    }

    private static JsonNode usageNow() {
        HttpResponse<String> r = admin(env, "GET", "/admin/usage?minutes=60", null);
        assertEquals(200, r.statusCode(), r.body());
        return TestGateway.json(r);
    }

    private static long total(JsonNode usage, String by, String name, String field) {
        long sum = 0;
        for (JsonNode b : usage.path("series")) {
            sum += b.path(by).path(name).path(field).asLong();
        }
        return sum;
    }

    private static double totalCost(JsonNode usage, String provider) {
        double sum = 0;
        for (JsonNode b : usage.path("series")) {
            sum += b.path("by_provider").path(provider).path("cost_usd").asDouble();
        }
        return sum;
    }
}

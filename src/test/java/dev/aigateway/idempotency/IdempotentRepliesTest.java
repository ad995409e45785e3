package dev.aigateway.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * Idempotent replies over HTTP, with Kafka off (the store is this instance's memory): a request_id (body
 * field or header idempotency-key) answered once gets the stored reply, counted by the upstream's calls.
 */
class IdempotentRepliesTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("stream.idle-timeout", "2s"));

    static String request(String id, String text, boolean stream) {
        return "{\"model\":\"gpt-4.1\"" + (id == null ? "" : ",\"request_id\":\"" + id + "\"")
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void sameRequestIdTwiceCallsTheProviderOnce() {
        String id = "idem-" + UUID.randomUUID();
        HttpResponse<String> first = gw.chat(request(id, "once please", false));
        HttpResponse<String> second = gw.chat(request(id, "once please", false));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(200, second.statusCode(), second.body());
        assertEquals(1, gw.sim("openai").calls(), "the second request is answered from the store");
        assertTrue(first.headers().firstValue(Idempotency.REPLAYED).isEmpty(), "the first answer is not a replay");
        assertEquals("true", second.headers().firstValue(Idempotency.REPLAYED).orElse(null));
        JsonNode a = TestGateway.json(first);
        JsonNode b = TestGateway.json(second);
        assertEquals("Simulated openai (gpt-4.1) answering: once please", b.at("/choices/0/message/content").asText());
        assertEquals(a.path("choices"), b.path("choices"), "same content");
        assertEquals(a.path("id"), b.path("id"), "the same completion");
        assertEquals(a.path("usage"), b.path("usage"));
        assertEquals("openai", second.headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals(first.headers().firstValue("x-gateway-cost-usd"), second.headers().firstValue("x-gateway-cost-usd"));
        assertEquals(id, second.headers().firstValue("x-request-id").orElse(null));
        assertEquals(id, b.at("/gateway/request_id").asText());
        String metrics = gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("gateway_idempotency_replays_total{ingress=\"http\",kind=\"reply\"}"), metrics);
    }

    @Test
    void idempotencyKeyHeaderNamesTheRequestToo() {
        String id = "hdr-" + UUID.randomUUID();
        HttpResponse<String> first = gw.chat(request(null, "by header", false), "idempotency-key", id);
        HttpResponse<String> second = gw.chat(request(null, "by header", false), "idempotency-key", id);
        // and the body field with the same value names the same request
        HttpResponse<String> third = gw.chat(request(id, "by header", false));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals(id, first.headers().firstValue("x-request-id").orElse(null), "the key is the request id");
        assertEquals(1, gw.sim("openai").calls());
        assertEquals("true", second.headers().firstValue(Idempotency.REPLAYED).orElse(null));
        assertEquals("true", third.headers().firstValue(Idempotency.REPLAYED).orElse(null));
        assertEquals(TestGateway.json(first).path("choices"), TestGateway.json(third).path("choices"));
        // without any id, every request is new
        gw.chat(request(null, "by header", false));
        gw.chat(request(null, "by header", false));
        assertEquals(3, gw.sim("openai").calls());
    }

    @Test
    void anInvalidIdempotencyKeyIsRefusedNamingIt() {
        HttpResponse<String> r = gw.chat(request(null, "bad key", false), "idempotency-key", "has space");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("invalid_identifier", error.path("code").asText());
        assertEquals("idempotency-key", error.path("param").asText(), r.body());
        HttpResponse<String> mismatch = gw.chat(request("body-id", "two ids", false), "idempotency-key", "other-id");
        assertEquals(400, mismatch.statusCode(), mismatch.body());
        assertEquals("idempotency_key_mismatch", TestGateway.json(mismatch).at("/error/code").asText());
        assertEquals(0, gw.sim("openai").calls());
    }

    @Test
    void concurrentDuplicatesWaitForTheFirstInsteadOfCallingToo() {
        gw.sim("openai").faults(Faults.none(800));
        String id = "conc-" + UUID.randomUUID();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            all.add(CompletableFuture.supplyAsync(() -> gw.chat(request(id, "at once", false))));
        }
        List<HttpResponse<String>> answers = all.stream().map(CompletableFuture::join).toList();
        assertEquals(1, gw.sim("openai").calls(), "one provider call for four concurrent duplicates");
        assertEquals(0, gw.sim("anthropic").calls());
        answers.forEach(r -> assertEquals(200, r.statusCode(), r.body()));
        assertEquals(3, answers.stream().filter(r -> r.headers().firstValue(Idempotency.REPLAYED).isPresent()).count());
        answers.forEach(r -> assertEquals("Simulated openai (gpt-4.1) answering: at once",
                TestGateway.json(r).at("/choices/0/message/content").asText()));
    }

    @Test
    void anErrorIsNotStoredSoTheRetryTriesAgain() {
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            gw.sim(p).faults(Faults.of("error").withStatus(500));
        }
        String id = "err-" + UUID.randomUUID();
        HttpResponse<String> failed = gw.chat(request(id, "fails first", false));
        assertEquals(503, failed.statusCode(), failed.body());
        long calls = gw.sim("openai").calls();
        gw.reset();
        HttpResponse<String> retried = gw.chat(request(id, "fails first", false));
        assertEquals(200, retried.statusCode(), retried.body());
        assertTrue(retried.headers().firstValue(Idempotency.REPLAYED).isEmpty(), "not a replay of the failure");
        assertEquals(1, gw.sim("openai").calls(), "the retry called the provider (before: " + calls + ")");
        assertEquals("true", gw.chat(request(id, "fails first", false)).headers().firstValue(Idempotency.REPLAYED).orElse(null),
                "the success is stored");
    }

    @Test
    void aStreamedRequestReplaysAsAStreamOfTheStoredAnswer() throws Exception {
        String id = "sse-" + UUID.randomUUID();
        HttpResponse<String> plain = gw.chat(request(id, "stream me later", false));
        HttpResponse<String> streamed = gw.chat(request(id, "stream me later", true));
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertEquals("true", streamed.headers().firstValue(Idempotency.REPLAYED).orElse(null));
        assertTrue(streamed.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        assertEquals(TestGateway.json(plain).at("/choices/0/message/content").asText(), text(streamed.body()));
        assertTrue(streamed.body().endsWith("data: [DONE]\n\n"), streamed.body());
        List<JsonNode> chunks = chunks(streamed.body());
        assertEquals("stop", chunks.stream().map(c -> c.at("/choices/0/finish_reason")).filter(JsonNode::isTextual)
                .findFirst().orElseThrow().asText());
        assertEquals(TestGateway.json(plain).path("usage"), chunks.get(chunks.size() - 1).path("usage"), "include_usage");

        // and an answer first streamed is stored with the text the client got, replayed plain or streamed
        String id2 = "sse2-" + UUID.randomUUID();
        HttpResponse<String> live = gw.chat(request(id2, "streamed first", true));
        assertEquals(200, live.statusCode(), live.body());
        HttpResponse<String> again = gw.chat(request(id2, "streamed first", true));
        HttpResponse<String> asJson = gw.chat(request(id2, "streamed first", false));
        assertEquals(2, gw.sim("openai").calls());
        assertEquals("Simulated openai (gpt-4.1) answering: streamed first", text(live.body()));
        assertEquals(text(live.body()), text(again.body()));
        assertEquals("true", again.headers().firstValue(Idempotency.REPLAYED).orElse(null));
        assertEquals(text(live.body()), TestGateway.json(asJson).at("/choices/0/message/content").asText());
    }

    static List<JsonNode> chunks(String sse) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String event : sse.split("\n\n")) {
            if (event.startsWith("data: ") && !event.equals("data: [DONE]")) {
                out.add(Json.MAPPER.readTree(event.substring(6)));
            }
        }
        return out;
    }

    static String text(String sse) throws Exception {
        StringBuilder b = new StringBuilder();
        for (JsonNode c : chunks(sse)) {
            JsonNode content = c.at("/choices/0/delta/content");
            if (content.isTextual()) {
                b.append(content.asText());
            }
        }
        return b.toString();
    }
}

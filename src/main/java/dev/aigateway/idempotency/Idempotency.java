package dev.aigateway.idempotency;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.http.ChatCompletionsApi;
import dev.aigateway.http.ClientApi;
import dev.aigateway.stream.ChatChunkSse;
import dev.aigateway.stream.SseDialect;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.http.ChatCompletionsApi;
import dev.aigateway.http.ClientApi;
import dev.aigateway.http.HttpIngress;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Providers;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;
import dev.aigateway.stream.ChatChunkSse;
import dev.aigateway.stream.SseDialect;

/**
 * Idempotent replies, the steps routes/http-ingress.yaml and routes/kafka-ingress.yaml name as
 * {@code idempotency}: a request whose request_id (HTTP body field or header {@value #HEADER}; Kafka
 * request_id, or the id derived from the record) was answered within gateway.idempotency.ttl gets the
 * stored reply, marked {@value #REPLAYED}{@code : true}, without a provider call, a rate-limit permit or a
 * charge. Only successful answers are stored: an error is tried again. A stored reply is replayed only to
 * the same ingress and gateway key that got it (another key's request with that id is served as new and
 * not stored). A Kafka record that is a re-delivery of the very record answered (same topic, partition and
 * offset) is committed without a second reply.
 */
public final class Idempotency {
    private static final Logger LOG = LoggerFactory.getLogger(Idempotency.class);
    /** HTTP request header naming the request id (as the body field request_id does). */
    public static final String HEADER = "idempotency-key";
    /** Header on a stored reply (HTTP response, Kafka reply record). */
    public static final String REPLAYED = "x-gateway-replayed";
    /** Plain exchange property: true when the request was answered from the store (the route stops). */
    public static final String STORED = "gatewayReplayed";
    /** Plain exchange property: a Kafka replay reply is to be sent (false: a re-delivery, only committed). */
    public static final String SEND_REPLAY = "gatewayReplaySend";
    /** Plain exchange property: the request_id this exchange has claimed (it must store or release it). */
    private static final String CLAIM = "gatewayIdempotencyClaim";

    private final StoredReplies store;
    private final Providers providers;
    private final GatewayMetrics metrics;

    /** @param store null when gateway.idempotency.enabled=false: every step then does nothing */
    public Idempotency(StoredReplies store, Providers providers, GatewayMetrics metrics) {
        this.store = store;
        this.providers = providers;
        this.metrics = metrics;
    }

    public StoredReplies store() {
        return store;
    }

    // ---- HTTP

    /**
     * After the request is read and its deadline started: when its reply was stored, it is now the response
     * and {@link #STORED} is true (the route stops); else the request is to be served (and this exchange may
     * have claimed its id). Waits for a running duplicate on this instance at most until the request's deadline.
     * A step, not a filter predicate: Camel evaluates a predicate on a copy of the message.
     */
    public void replayHttp(Exchange exchange) throws Exception {
        exchange.setProperty(STORED, httpStored(exchange));
    }

    private boolean httpStored(Exchange exchange) throws Exception {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = gateway.requestId();
        if (id == null || store == null) {
            return false; // no id chosen by the client (or gateway.idempotency.enabled=false)
        }
        if (!store.caughtUp()) {
            throw new GatewayException(503, "server_error", "gateway_starting", null,
                    "The gateway is reading its stored replies; retry in a second").retryAfter(1);
        }
        StoredReplies.Entry stored = lookupOrClaim(exchange, gateway, id);
        if (stored == null || !stored.scope().equals(scope(httpIngress(exchange), gateway))) {
            return false;
        }
        replayHttp(exchange, gateway, stored.reply());
        return true;
    }

    /** Before the response is written: a successful answer to a claimed id is stored (the other results release it). */
    public void storeHttp(Exchange exchange) throws Exception {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = exchange.getProperty(CLAIM, String.class);
        if (id == null) {
            return;
        }
        ObjectNode stored = exchange.getMessage().getBody() instanceof ChatResult r ? httpReply(r, gateway) : null;
        exchange.removeProperty(CLAIM);
        if (stored == null) {
            store.release(id);
            return;
        }
        store.store(new StoredReplies.Entry(id, scope(httpIngress(exchange), gateway), System.currentTimeMillis(), null, stored), false);
    }

    /** What an HTTP client got: the completion with its gateway object, and the headers worth replaying. */
    private ObjectNode httpReply(ChatResult r, GatewayRequest gateway) {
        ChatRequest request = gateway.chatRequest();
        AttemptLog log = gateway.attempts();
        AnswerStream answer = AnswerStream.of(gateway);
        ObjectNode body;
        if (r.completion() != null) {
            body = r.completion().deepCopy();
        } else if (answer != null && !answer.sentToolCall()) {
            body = completionOf(r, answer.sentText()); // streamed to its client: the text it got
        } else {
            return null; // a streamed tool call is not rebuilt: not stored
        }
        ObjectNode gatewayJson = HttpIngress.gatewayJson(r, request, log, answer);
        boolean simulated = providers.get(r.provider()).simulated();
        if (simulated) {
            gatewayJson.put("simulated", true);
        }
        body.set("gateway", gatewayJson);
        ObjectNode headers = Json.object().put("x-gateway-provider", r.provider())
                .put("x-gateway-cost-usd", String.format(Locale.ROOT, "%.8f", r.costUsd()))
                .put("x-request-id", request.requestId()).put(HttpIngress.ROUTE, request.routeHeader())
                .put("x-gateway-attempts", log.names());
        if (simulated) {
            headers.put(HttpIngress.SIMULATED, "true");
        }
        if (!request.droppedFields().isEmpty()) {
            headers.put("x-gateway-dropped-fields", String.join(",", request.droppedFields()));
        }
        ObjectNode reply = Json.object();
        reply.set("body", body);
        reply.set("headers", headers);
        return reply;
    }

    private static ObjectNode completionOf(ChatResult r, String text) {
        ObjectNode c = Json.object().put("id", "chatcmpl-" + java.util.UUID.randomUUID()).put("object", "chat.completion")
                .put("created", System.currentTimeMillis() / 1000).put("model", r.model());
        c.putArray("choices").addObject().put("index", 0).put("finish_reason", r.finishReason()).putObject("message")
                .put("role", "assistant").put("content", text);
        c.putObject("usage").put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.completionTokens())
                .put("total_tokens", r.promptTokens() + r.completionTokens());
        return c;
    }

    private void replayHttp(Exchange exchange, GatewayRequest gateway, ObjectNode stored) throws Exception {
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        for (Iterator<Map.Entry<String, JsonNode>> it = stored.path("headers").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> h = it.next();
            m.setHeader(h.getKey(), h.getValue().asText());
        }
        m.setHeader(REPLAYED, "true");
        if (gateway.attempts() != null) {
            m.setHeader("x-gateway-latency-ms", gateway.attempts().elapsedMs());
        }
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        ObjectNode body = (ObjectNode) stored.get("body");
        ChatRequest request = gateway.chatRequest();
        byte[] bytes;
        // the reply in the client's API (scope: only one API's replies are replayed to it)
        ClientApi api = exchange.getProperty(ClientApi.INSTANCE, ClientApi.class);
        boolean chat = api == null || ChatCompletionsApi.NAME.equals(api.name());
        if (request != null && request.stream()) {
            m.setHeader(Exchange.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            m.setHeader("cache-control", "no-cache");
            bytes = chat ? sse(body, request.includeUsage(), ChatChunkSse.INSTANCE) : sse(body, true, api.sse(request));
        } else {
            m.setHeader(Exchange.CONTENT_TYPE, "application/json");
            bytes = Json.MAPPER.writeValueAsBytes(chat ? body : api.fromCompletion(body.deepCopy(), request));
        }
        m.setBody(io.vertx.core.buffer.Buffer.buffer(bytes));
        replayed("http", "reply");
    }

    /**
     * A stored completion as the stream a client asked for, in its API's events (OpenAI chat: one chunk per
     * choice, the finish, usage, [DONE]).
     */
    static byte[] sse(ObjectNode completion, boolean includeUsage, SseDialect dialect) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.util.function.Consumer<byte[]> write = out::writeBytes;
        ArrayNode choices = completion.path("choices") instanceof ArrayNode a ? a : Json.MAPPER.createArrayNode();
        for (JsonNode choice : choices) {
            ObjectNode chunk = chunk(completion);
            ObjectNode c = chunk.putArray("choices").addObject().put("index", choice.path("index").asInt());
            ObjectNode delta = c.putObject("delta").put("role", "assistant");
            JsonNode message = choice.path("message");
            if (message.has("content")) {
                delta.set("content", message.get("content"));
            }
            if (message.path("tool_calls") instanceof ArrayNode calls) {
                ArrayNode indexed = delta.putArray("tool_calls");
                for (int i = 0; i < calls.size(); i++) {
                    indexed.add(((ObjectNode) calls.get(i).deepCopy()).put("index", i));
                }
            }
            c.putNull("finish_reason");
            dialect.chunk(chunk, write);
        }
        ObjectNode finish = chunk(completion);
        ArrayNode finishes = finish.putArray("choices");
        for (JsonNode choice : choices) {
            finishes.addObject().put("index", choice.path("index").asInt()).putObject("delta");
            ((ObjectNode) finishes.get(finishes.size() - 1)).set("finish_reason", choice.path("finish_reason"));
        }
        if (completion.has("gateway")) {
            finish.set("gateway", completion.get("gateway"));
        }
        ObjectNode usage = null;
        if (includeUsage && completion.has("usage")) {
            usage = chunk(completion);
            usage.putArray("choices");
            usage.set("usage", completion.get("usage"));
        }
        dialect.end(finish, usage, write);
        return out.toByteArray();
    }

    private static ObjectNode chunk(ObjectNode completion) {
        return Json.object().put("id", completion.path("id").asText("chatcmpl-gateway")).put("object", "chat.completion.chunk")
                .put("created", completion.path("created").asLong()).put("model", completion.path("model").asText());
    }

    // ---- Kafka

    /**
     * After the record is read and its deadline started: {@link #STORED} is true when it is answered from the
     * store (the route stops). Then {@link #SEND_REPLAY} says whether a reply is to be sent: false for a
     * re-delivery of the record whose reply is stored (it already has its reply: committed without a second
     * one), true for another record with the same request_id (the stored reply is the message body).
     */
    public void replayKafka(Exchange exchange) throws Exception {
        exchange.setProperty(STORED, kafkaStored(exchange));
    }

    private boolean kafkaStored(Exchange exchange) throws Exception {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = gateway.requestId();
        if (id == null || store == null) {
            return false;
        }
        StoredReplies.Entry stored = lookupOrClaim(exchange, gateway, id);
        if (stored == null || !stored.scope().equals(scope("kafka", gateway))) {
            return false;
        }
        if (!stored.success() && !origin(gateway).equals(stored.origin())) {
            // another record retrying a request that failed: served anew, and its reply stored over the failure
            claim(exchange, id);
            return false;
        }
        if (origin(gateway).equals(stored.origin())) {
            exchange.setProperty(SEND_REPLAY, false);
            replayed("kafka", "redelivery");
            return true;
        }
        exchange.setProperty(SEND_REPLAY, true);
        Message m = exchange.getMessage();
        m.setBody(stored.reply().deepCopy());
        replayed("kafka", "reply");
        return true;
    }

    /**
     * After the reply was acknowledged: a successful reply to a claimed id is stored, and the broker's
     * acknowledgement awaited, so the record is committed only once its reply is stored. A failed write is
     * logged, not retried: the reply is out, and consuming the record again would send a second one.
     */
    public void storeKafka(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = exchange.getProperty(CLAIM, String.class);
        if (id == null) {
            return;
        }
        exchange.removeProperty(CLAIM);
        try {
            byte[] value = exchange.getMessage().getBody(byte[].class);
            JsonNode reply = value == null ? null : Json.MAPPER.readTree(value);
            if (!(reply instanceof ObjectNode r) || !r.path("success").asBoolean(false)) {
                store.release(id);
                return;
            }
            store.store(new StoredReplies.Entry(id, scope("kafka", gateway), System.currentTimeMillis(), origin(gateway), r),
                    true);
        } catch (Exception e) {
            store.release(id);
            LOG.warn("Reply of request {} sent but not stored ({}): a re-delivery of its record would be answered again",
                    id, e.getMessage());
        }
    }

    /**
     * kafka-errors, after a failure reply was acknowledged: it is stored too, for this record only. A re-delivery of
     * the record (after a crash or a rebalance) then finds it and is committed without a second reply; another
     * record with the request_id is served anew (a retry after a failure should try again).
     */
    public void storeKafkaFailure(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = gateway.requestId();
        if (store == null || id == null || gateway.origin() == null) {
            return;
        }
        exchange.removeProperty(CLAIM);
        try {
            byte[] value = exchange.getMessage().getBody(byte[].class);
            JsonNode reply = value == null ? null : Json.MAPPER.readTree(value);
            if (reply instanceof ObjectNode r && !r.path("success").asBoolean(true)) {
                store.store(new StoredReplies.Entry(id, scope("kafka", gateway), System.currentTimeMillis(), origin(gateway),
                        r), true);
            } else {
                store.release(id);
            }
        } catch (Exception e) {
            store.release(id);
            LOG.warn("Failure reply of request {} sent but not stored ({}): a re-delivery of its record would be "
                    + "answered again", id, e.getMessage());
        }
    }

    /**
     * kafka-errors: false for a re-delivery of a record whose failure reply is stored for it (it failed before
     * {@link #replayKafka} could look: a bad record, a refused key), so it is committed without a second dead
     * letter and failure reply.
     */
    public boolean notAnsweredBefore(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String id = gateway.requestId();
        if (store == null || id == null || gateway.origin() == null) {
            return true;
        }
        StoredReplies.Entry stored = store.get(id);
        if (stored != null && origin(gateway).equals(stored.origin())) {
            replayed("kafka", "redelivery");
            return false;
        }
        return true;
    }

    /** kafka-ingress: no record is served before the stored replies are read (a re-delivery must find its reply). */
    public void awaitStore() throws InterruptedException {
        if (store == null || store.caughtUp()) {
            return;
        }
        LOG.info("Kafka ingress waits for the idempotency store to be read");
        while (!store.awaitCaughtUp(5_000)) {
            LOG.warn("Kafka ingress still waits for the idempotency store to be read (see the store's log lines)");
        }
    }

    // ----

    private StoredReplies.Entry lookupOrClaim(Exchange exchange, GatewayRequest gateway, String id) throws Exception {
        StoredReplies.Entry stored;
        try {
            stored = store.lookupOrClaim(id, Math.min(gateway.remainingMs(), store.ttlMs()));
        } catch (TimeoutException e) {
            throw new GatewayException(504, "timeout_error", "deadline_exceeded", null, "A request with request_id "
                    + id + " is still being answered; its reply is stored when it is done (retry)");
        }
        if (stored == null) {
            claim(exchange, id);
        }
        return stored;
    }

    private void claim(Exchange exchange, String id) {
        exchange.setProperty(CLAIM, id);
        // whatever ends the exchange without storing (an error, a refusal): waiting duplicates go on
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                if (done.removeProperty(CLAIM) != null) {
                    store.release(id);
                }
            }
        });
    }

    /**
     * "http" for chat completions (the scope stored replies always had), "http:<api>" for another client API:
     * a reply stored in one API's shape is never replayed to a client of another.
     */
    private static String httpIngress(Exchange exchange) {
        String api = exchange.getProperty(ClientApi.PROPERTY, String.class);
        return api == null || ChatCompletionsApi.NAME.equals(api) ? "http" : "http:" + api;
    }

    private static String scope(String ingress, GatewayRequest gateway) {
        // an embeddings request never replays a chat answer stored under the same id, nor the reverse
        return ingress + (gateway.embeddings() ? "/embeddings" : "") + "/" + (gateway.key() == null ? "-" : gateway.key().id());
    }

    private static String origin(GatewayRequest gateway) {
        GatewayRequest.Origin o = gateway.origin();
        return o == null ? "" : o.topic() + "/" + o.partition() + "@" + o.offset();
    }

    private void replayed(String ingress, String kind) {
        Counter.builder("gateway.idempotency.replays")
                .description("Requests answered from the idempotency store (kind=redelivery: a re-delivered Kafka record, committed without a reply)")
                .tags("ingress", ingress, "kind", kind).register(metrics.registry()).increment();
    }
}

package dev.aigateway.requestlog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultExchange;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.api.Json;
import dev.aigateway.api.RequestParser;
import dev.aigateway.auth.KeyAdmin;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.http.ClientApi;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;

/**
 * POST /admin/replay (docs/request-log.md "Replay"): re-runs a logged request through the current version of
 * its chain (or the one named) and answers with the original record and the new result side by side.
 * The replay is a new request (new request_id) that bypasses idempotent replies and is charged to no key;
 * it is logged with ingress "replay". A Kafka request's replay is also published on the replay topic, never
 * on its original reply topic. Admin key always required (fail closed), every call audit-logged.
 */
public final class RequestReplay {
    /** The audit log: who (admin key fingerprint, remote address), what, when. */
    public static final Logger AUDIT = LoggerFactory.getLogger("dev.aigateway.audit");

    private final CamelContext context;
    private final KeyAdmin admin;
    private final String adminKeyEnv;
    private final RequestWindow window;
    private final RequestLog log;
    private final RequestParser parser;
    private final LiveChains chains;
    private final ProducerTemplate template;
    private final boolean kafka;
    private final String requestTopic;
    private final String replayTopic;
    private final long timeoutMs;

    public RequestReplay(CamelContext context, KeyAdmin admin, String adminKeyEnv, RequestWindow window, RequestLog log,
            RequestParser parser, LiveChains chains, boolean kafka, String requestTopic, String replayTopic, long timeoutMs) {
        this.context = context;
        this.admin = admin;
        this.adminKeyEnv = adminKeyEnv;
        this.window = window;
        this.log = log;
        this.parser = parser;
        this.chains = chains;
        this.template = context.createProducerTemplate();
        this.kafka = kafka;
        this.requestTopic = requestTopic;
        this.replayTopic = replayTopic;
        this.timeoutMs = timeoutMs;
    }

    /** What is replayed: the request body (chat-completions form) and where it came from. */
    private record Original(ObjectNode record, JsonNode body, String chainHeader, String topic, int partition,
            long offset, byte[] key) {
        boolean fromKafka() {
            return topic != null;
        }
    }

    /** POST /admin/replay. */
    public void replay(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        String remote = remote(m);
        String who = "admin key " + fingerprint(m) + " from " + remote;
        try {
            if (!admin.adminKeySet()) {
                throw new GatewayException(403, "permission_error", "admin_disabled", null, "Replay needs the admin key: "
                        + "set the environment variable " + adminKeyEnv + " (or gateway.auth.admin-key-file) and send it "
                        + "as Authorization: Bearer <admin key>");
            }
            admin.checkAdmin(exchange);
        } catch (GatewayException refused) {
            AUDIT.warn("replay refused at {}: {} from {} ({})", Instant.now(), refused.code(), remote, refused.status());
            throw refused;
        }
        JsonNode body = RequestParser.readJson(m.getBody(byte[].class));
        String chain = Identifiers.check("chain", text(body, "chain"));
        String requestId = null;
        String topic = null;
        int partition = -1;
        long offset = -1;
        if (body.hasNonNull("request_id")) {
            requestId = Identifiers.check("request_id", text(body, "request_id"));
        } else if (body.hasNonNull("topic") || body.hasNonNull("partition") || body.hasNonNull("offset")) {
            topic = Identifiers.check("topic", text(body, "topic"));
            if (topic == null) {
                throw GatewayException.invalid("topic", "topic is required with partition and offset");
            }
            partition = (int) whole(body, "partition", Integer.MAX_VALUE);
            offset = whole(body, "offset", Long.MAX_VALUE);
        } else {
            throw GatewayException.invalid(null, "Send {\"request_id\": ...} or {\"topic\": ..., \"partition\": ..., "
                    + "\"offset\": ...}, with an optional \"chain\"");
        }
        String newId = UUID.randomUUID().toString();
        // audited before anything is read or run: an attempt that fails below is on record too
        AUDIT.info("replay by {} at {}: {} chain={} as request_id={}", who, Instant.now(), requestId != null
                ? "request_id=" + requestId : "topic=" + topic + " partition=" + partition + " offset=" + offset,
                chain == null ? "(its own)" : chain, newId);
        ObjectNode out = Json.object();
        try {
            Original original = requestId != null ? byRequestId(requestId)
                    : fromTopic(topic, partition, offset, window.bySource(topic, partition, offset));
            ObjectNode result = run(original, chain, newId);
            out.set("original", original.record() != null ? original.record() : summary(original));
            out.set("replay", result);
            if (original.fromKafka()) {
                publish(original, result);
                out.put("published_to", replayTopic);
            }
            AUDIT.info("replay {} by {} done: provider={} outcome={} status={}", newId, who,
                    result.path("provider").asText(null), result.path("outcome").asText(), result.path("status").asInt());
        } catch (GatewayException e) {
            AUDIT.info("replay {} by {} not run: {} ({})", newId, who, e.code(), e.status());
            throw e;
        } catch (org.apache.kafka.common.KafkaException e) {
            // the broker did not answer the short-lived reader: the operator's problem to see, not a stack trace
            AUDIT.info("replay {} by {} not run: kafka_unavailable", newId, who);
            throw new GatewayException(503, "server_error", "kafka_unavailable", null, "The request record could not be "
                    + "read from Kafka: " + dev.aigateway.chain.Secrets.mask(e.getMessage())).retryAfter(5);
        }
        RequestLogAdmin.reply(m, 200, out);
    }

    private Original byRequestId(String id) {
        ObjectNode record = window.get(id);
        if (record == null) {
            throw RequestLogAdmin.unknown(id);
        }
        JsonNode source = record.path("source");
        if (record.hasNonNull("request")) {
            // a Kafka request's replay is published on the replay topic whichever way it was found
            return new Original(record, record.get("request"), record.path("chain").asText(null),
                    source.path("topic").asText(null), source.path("partition").asInt(-1), source.path("offset").asLong(-1),
                    null);
        }
        if (source.hasNonNull("topic")) {
            return fromTopic(source.get("topic").asText(), source.path("partition").asInt(),
                    source.path("offset").asLong(), record);
        }
        throw new GatewayException(409, "invalid_request_error", "replay_needs_body", "request_id", "Request '" + id
                + "' was logged without its body and did not come from Kafka: set gateway.request-log.bodies=true to "
                + "replay HTTP requests, or replay a Kafka request by {\"topic\", \"partition\", \"offset\"}");
    }

    /** The request record at topic-partition@offset, read with a short-lived consumer (the request topic only). */
    private Original fromTopic(String topic, int partition, long offset, ObjectNode record) {
        if (!kafka) {
            throw new GatewayException(409, "invalid_request_error", "kafka_disabled", "topic",
                    "Kafka is off (gateway.kafka.enabled=false): there is no request topic to replay from");
        }
        if (!requestTopic.equals(topic)) {
            throw new GatewayException(400, "invalid_request_error", "replay_topic_not_allowed", "topic", "Replay reads "
                    + "only the request topic " + requestTopic + " (gateway.kafka.request-topic), not '" + topic + "'");
        }
        Map<String, Object> config = dev.aigateway.kafka.KafkaSetup.clientConfig(context);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "replay-reader-" + UUID.randomUUID());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            if (consumer.partitionsFor(topic, Duration.ofSeconds(10)).size() <= partition) {
                throw notFound(topic, partition, offset, "the topic has no such partition");
            }
            TopicPartition tp = new TopicPartition(topic, partition);
            consumer.assign(List.of(tp));
            long first = consumer.beginningOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
            if (offset < first || offset >= end) {
                throw notFound(topic, partition, offset, "the partition holds offsets " + first + " to " + (end - 1));
            }
            consumer.seek(tp, offset);
            long until = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < until) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() != offset) {
                        throw notFound(topic, partition, offset, "no record at that offset (next is " + r.offset() + ")");
                    }
                    JsonNode value;
                    try {
                        value = r.value() == null ? null : Json.MAPPER.readTree(r.value());
                    } catch (Exception e) {
                        value = null;
                    }
                    if (value == null || !value.isObject()) {
                        throw new GatewayException(422, "invalid_request_error", "replay_not_a_request", "offset",
                                "The record at " + topic + "-" + partition + "@" + offset + " is not a JSON request");
                    }
                    Header chain = r.headers().lastHeader("x-gateway-chain");
                    return new Original(record, value, chain == null ? null
                            : new String(chain.value(), StandardCharsets.UTF_8), topic, partition, offset, r.key());
                }
            }
            throw notFound(topic, partition, offset, "it was not read within 10 s");
        }
    }

    private static GatewayException notFound(String topic, int partition, long offset, String why) {
        return new GatewayException(404, "invalid_request_error", "record_not_found", "offset",
                "No request record at " + topic + "-" + partition + "@" + offset + ": " + why);
    }

    /** Runs the request through direct:chat like an HTTP request: no key, no idempotent reply, its own deadline. */
    private ObjectNode run(Original original, String chainOverride, String newId) {
        ObjectNode root = original.body().deepCopy();
        for (String f : new String[] { "request_id", "session_id", "stream", "stream_options" }) {
            root.remove(f);
        }
        String chain = chainOverride != null ? chainOverride : original.chainHeader();
        ChatRequest request = parser.parse(root, chain, c -> chains.endpoint(c) != null).withRequestId(newId);
        Exchange ex = new DefaultExchange(context);
        GatewayRequest g = GatewayRequest.of(ex);
        g.setAttempts(new AttemptLog());
        g.setChatRequest(request);
        g.setRequestId(newId);
        g.setDeadlineNanos(System.nanoTime() + timeoutMs * 1_000_000L);
        ex.setProperty(ClientApi.PROPERTY, "chat.completions");
        chains.select(ex, g, request.chain(), request.route());
        template.send("direct:chat", ex);
        if (ex.getException() != null) {
            ex.setProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, ex.getException());
            ex.setException(null);
            ex.getMessage().setBody(null);
        }
        RequestLog.Snapshot s = log.snapshot(ex, "replay");
        log.record(ex, "replay");
        ObjectNode out = Json.object().put("request_id", newId).put("chain", request.chain()).put("provider", s.provider())
                .put("outcome", s.outcome()).put("status", s.status()).put("latency_ms", s.latencyMs())
                .put("prompt_tokens", s.promptTokens()).put("completion_tokens", s.completionTokens())
                .put("cost_usd", s.costUsd()).put("finish_reason", s.finishReason());
        var attempts = out.putArray("attempts");
        g.attempts().attempts().forEach(a -> attempts.addObject().put("provider", a.provider()).put("outcome", a.outcome())
                .put("status", a.status()).put("latency_ms", a.latencyMs())
                .put("error", dev.aigateway.chain.Secrets.mask(a.error())));
        Object result = ex.getMessage().getBody();
        out.put("answer", result instanceof ChatResult r
                ? r.completion().path("choices").path(0).path("message").path("content").asText(null) : null);
        if (ex.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT) instanceof GatewayException e) {
            out.putObject("error").put("code", e.code()).put("message", dev.aigateway.chain.Secrets.mask(e.getMessage()));
        }
        return out;
    }

    /** The replay's result on the replay topic: same key as the request record, correlation-id = the new id. */
    private void publish(Original original, ObjectNode result) {
        ObjectNode value = result.deepCopy();
        value.putObject("replay_of").put("request_id", original.record() == null ? null
                : original.record().path("request_id").asText(null)).put("topic", original.topic())
                .put("partition", original.partition()).put("offset", original.offset());
        Exchange sent = template.send("kafka:" + replayTopic + "?brokers=" + context.resolvePropertyPlaceholders("{{kafka.brokers}}"),
                e -> {
                    if (original.key() != null) {
                        e.getMessage().setHeader(KafkaConstants.KEY, original.key());
                    }
                    e.getMessage().setHeader("correlation-id", result.path("request_id").asText());
                    try {
                        e.getMessage().setBody(Json.MAPPER.writeValueAsBytes(value));
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                });
        if (sent.getException() != null) {
            throw new GatewayException(502, "server_error", "replay_not_published", null, "The replay ran (request_id "
                    + result.path("request_id").asText() + ") but its result could not be published on " + replayTopic
                    + ": " + dev.aigateway.chain.Secrets.mask(sent.getException().getMessage()));
        }
    }

    /** Where a record came from, when the window no longer (or never) had its log record. */
    private static ObjectNode summary(Original o) {
        ObjectNode s = Json.object().put("request_id", o.body().path("request_id").asText(null)).put("ingress", "kafka");
        s.putObject("source").put("topic", o.topic()).put("partition", o.partition()).put("offset", o.offset());
        return s;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayException.invalid(field, field + " must be a string");
        }
        return v.asText();
    }

    private static long whole(JsonNode body, String field, long max) {
        JsonNode v = body.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > max) {
            throw GatewayException.invalid(field, field + " must be a whole number, 0 or more");
        }
        return v.asLong();
    }

    /** The admin key as a fingerprint (first 12 hex of its SHA-256): who, never the key. */
    static String fingerprint(Message m) {
        String auth = m.getHeader("Authorization", String.class);
        String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
        if (given.isEmpty()) {
            return "(none)";
        }
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(given.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(sha).substring(0, 12);
        } catch (Exception e) {
            return "(unknown)";
        }
    }

    private static String remote(Message m) {
        if (m instanceof org.apache.camel.component.platform.http.vertx.HttpMessage http
                && http.getRequest().remoteAddress() != null) {
            return http.getRequest().remoteAddress().toString();
        }
        return "unknown";
    }
}

package dev.aigateway.kafka;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.AllProvidersFailed;
import dev.aigateway.api.Attempt;
import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.api.Json;
import dev.aigateway.api.ProviderRejection;
import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.chain.Secrets;
import dev.aigateway.http.HttpIngress;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.request.GatewayRequest.Origin;
import dev.aigateway.stream.AnswerStream;

/**
 * The Kafka side of the gateway, named by routes/kafka-ingress.yaml: turns a request record into a
 * {@link ChatRequest}, the chain's result into a reply record (same key, header correlation-id), and a
 * record it cannot serve into a dead letter plus, when its request_id can be read, a failure reply.
 */
public class KafkaIngress {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaIngress.class);
    /** Between the dead letter and the failure reply of one record (its error path): why it was refused. */
    private static final String DEAD_LETTER_REASON = "gatewayDeadLetterReason";

    private final RequestParser parser;
    private final LiveChains chains;
    private final String replyTopic;
    private final Pattern replyTopicPattern;
    private final long maxRecordBytes;
    private final java.util.function.Predicate<String> topicExists;
    private final GatewayMetrics metrics;
    /** Topics no request may name as its reply-to although they match the pattern (the replay topic). */
    private final java.util.Set<String> reserved = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public KafkaIngress(RequestParser parser, LiveChains chains, GatewayMetrics metrics, String replyTopic,
            String replyTopicPattern, long maxRecordBytes, java.util.function.Predicate<String> topicExists) {
        this.metrics = metrics;
        this.topicExists = topicExists;
        this.parser = parser;
        this.chains = chains;
        this.replyTopic = replyTopic;
        this.replyTopicPattern = Pattern.compile(replyTopicPattern);
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * Validates one request record (after it was authenticated); the exchange then carries the request
     * like an HTTP one does. The identifiers the gateway echoes (request_id, session_id, the chain and
     * reply-to headers) are checked first, before anything is sized, parsed or looked up.
     */
    public void readRequest(Exchange exchange) {
        Message m = exchange.getMessage();
        JsonNode loose = identify(exchange);
        GatewayRequest gateway = GatewayRequest.of(exchange);
        byte[] raw = gateway.originalRecord();
        if (loose != null && loose.path("request_id").isTextual()) {
            Identifiers.check("request_id", loose.get("request_id").asText());
        }
        if (loose != null && loose.path("session_id").isTextual()) {
            Identifiers.check("session_id", loose.get("session_id").asText());
        }
        String chain = Identifiers.check("x-gateway-chain", header(m, "x-gateway-chain"));
        String replyTo = Identifiers.check("reply-to", header(m, "reply-to"));
        if (replyTo != null) {
            if (!replyTopicPattern.matcher(replyTo).matches()) {
                throw new GatewayException(400, "invalid_request_error", "reply_to_not_allowed", "reply-to",
                        "reply-to topic '" + replyTo + "' does not match gateway.kafka.reply-topic-pattern "
                                + replyTopicPattern.pattern() + "; replied on " + replyTopic);
            }
            if (reserved.contains(replyTo)) {
                throw new GatewayException(400, "invalid_request_error", "reply_to_not_allowed", "reply-to",
                        "reply-to topic '" + replyTo + "' is where POST /admin/replay publishes replays "
                                + "(gateway.request-log.replay-topic); replied on " + replyTopic);
            }
            if (!topicExists.test(replyTo)) {
                throw new GatewayException(400, "invalid_request_error", "reply_to_unknown_topic", "reply-to",
                        "reply-to topic '" + replyTo + "' does not exist (the gateway creates only the topics of "
                                + "gateway.kafka.reply-topics, at start-up); replied on " + replyTopic);
            }
            gateway.setReplyTopic(replyTo);
        }
        if (raw != null && raw.length > maxRecordBytes) {
            throw new GatewayException(413, "invalid_request_error", "request_too_large", null, "Record value is "
                    + raw.length + " bytes; the limit is " + maxRecordBytes + " (gateway.kafka.max-record-bytes)");
        }
        JsonNode root = loose != null ? loose : RequestParser.readJson(raw); // throws the precise 400 (empty, invalid JSON)
        // "endpoint": which API the record speaks; embeddings go through an embeddings chain (EmbeddingsIngress)
        JsonNode endpoint = root instanceof ObjectNode o ? o.remove("endpoint") : null;
        if (endpoint != null && !endpoint.isNull()) {
            String e = endpoint.asText("");
            if (dev.aigateway.chain.LiveChains.EMBEDDINGS.equals(e) && endpoint.isTextual()) {
                exchange.getContext().getRegistry().lookupByNameAndType("embeddingsIngress",
                        dev.aigateway.embeddings.EmbeddingsIngress.class).readKafka(exchange, root, chain);
                return;
            }
            // a Kafka record is an OpenAI chat request (or embeddings): the Messages and Responses shapes are HTTP only
            if (!endpoint.isTextual() || !dev.aigateway.chain.LiveChains.CHAT_ENDPOINTS.get(0).equals(e)) {
                throw GatewayException.invalid("endpoint", "'endpoint' must be "
                        + dev.aigateway.chain.LiveChains.CHAT_ENDPOINTS.get(0) + " (the default) or embeddings");
            }
        }
        ChatRequest parsed = parser.parse(root, chain, c -> chains.endpoint(c) != null, gateway.budgetStepDown());
        ChatRequest request = parsed.withRequestId(gateway.requestId());
        gateway.setChatRequest(request);
        chains.select(exchange, gateway, request.chain(), request.route());
    }

    /**
     * What the error path needs whatever step failed: the record's bytes and origin, and the request_id and
     * session_id a failure reply may echo, only when they are valid identifiers (an invalid request_id means
     * no failure reply). Done once per exchange, from the record as consumed; returns the value as JSON
     * when it is a JSON object (read on the first call only).
     */
    JsonNode identify(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        if (gateway.origin() != null) {
            return null;
        }
        Message m = exchange.getMessage();
        byte[] raw = m.getBody(byte[].class);
        gateway.setRecord(raw, new Origin(m.getHeader(KafkaConstants.KEY), m.getHeader(KafkaConstants.TOPIC,
                String.class), m.getHeader(KafkaConstants.PARTITION), m.getHeader(KafkaConstants.OFFSET)));
        if (gateway.attempts() == null) {
            gateway.setAttempts(new AttemptLog());
        }
        gateway.setReplyTopic(replyTopic);
        JsonNode loose = readLoosely(raw);
        JsonNode id = loose == null ? null : loose.get("request_id");
        if (id == null || !id.isTextual()) {
            gateway.setRequestId(stableId(m)); // none given: derived, stable across redeliveries
        } else if (Identifiers.valid(id.asText())) {
            gateway.setRequestId(id.asText());
        } // else: never echoed, so no failure reply
        JsonNode session = loose == null ? null : loose.get("session_id");
        if (session != null && session.isTextual() && Identifiers.valid(session.asText())) {
            gateway.setSessionId(session.asText());
        }
        return loose;
    }

    /**
     * A record re-delivered more than gateway.kafka.max-redeliveries times: not processed again, only
     * dead-lettered ({@code redelivery_limit}); no failure reply, since a reply is what kept failing.
     */
    public void giveUp(Exchange exchange) {
        identify(exchange);
        exchange.setProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, new GatewayException(500, "server_error",
                "redelivery_limit", null, exchange.getProperty(KafkaBatch.GIVE_UP_REASON, "redelivery limit", String.class)));
        deadLetter(exchange);
    }

    /** The chain's result as the reply record: same key, header correlation-id = request_id. */
    public void toReply(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Object result = m.getBody();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        ChatRequest request = gateway.chatRequest();
        AttemptLog log = gateway.attempts();
        ObjectNode reply = Json.object().put("request_id", request.requestId()).put("session_id", request.sessionId())
                .put("chain", request.chain()).put("route", request.route());
        AnswerStream answer = AnswerStream.of(gateway);
        metrics.request("kafka", request.chain(), HttpIngress.outcome(result, answer), log.elapsedMs(), log.upstreamMs());
        if (result instanceof ChatResult r && gateway.embeddings()) {
            // an embeddings reply: the vectors as the client asked them (float or base64), with usage and cost
            reply.put("endpoint", dev.aigateway.chain.LiveChains.EMBEDDINGS).put("success", true)
                    .put("provider", r.provider()).put("model", r.model()).put("latency_ms", log.elapsedMs())
                    .put("upstream_latency_ms", r.upstreamLatencyMs());
            reply.set("data", r.completion().get("data"));
            reply.putObject("tokens_used").put("prompt", r.promptTokens()).put("completion", 0)
                    .put("total", r.promptTokens());
            reply.put("cost_usd", r.costUsd());
            if (exchange.getContext().getRegistry().lookupByNameAndType("providers", dev.aigateway.provider.Providers.class)
                    .get(r.provider()).simulated()) {
                reply.put("simulated", true);
            }
        } else if (result instanceof ChatResult r) {
            JsonNode choice = r.completion().path("choices").path(0);
            reply.put("success", true).put("content", choice.path("message").path("content").asText(null))
                    .put("provider", r.provider()).put("model", r.model()).put("latency_ms", log.elapsedMs())
                    .put("upstream_latency_ms", r.upstreamLatencyMs());
            reply.putObject("tokens_used").put("prompt", r.promptTokens()).put("completion", r.completionTokens())
                    .put("total", r.promptTokens() + r.completionTokens());
            reply.put("cost_usd", r.costUsd()).put("finish_reason", r.finishReason());
            if (exchange.getContext().getRegistry().lookupByNameAndType("providers", dev.aigateway.provider.Providers.class)
                    .get(r.provider()).simulated()) {
                reply.put("simulated", true); // the embedded simulator wrote it (offline demo or simulator.mode=on)
            }
            if (choice.path("message").has("tool_calls")) {
                reply.set("tool_calls", choice.path("message").get("tool_calls"));
            }
            if (!request.droppedFields().isEmpty()) {
                // gateway.unknown-fields=drop: what the provider was not sent (HTTP says it in x-gateway-dropped-fields)
                request.droppedFields().forEach(reply.putArray("dropped_fields")::add);
            }
            if (answer != null && answer.failover() != null) {
                // the answer was cut and another provider finished it: say who wrote what
                ObjectNode streamed = Json.object();
                answer.describe(streamed);
                reply.set("mid_stream_failover", streamed.get("mid_stream_failover"));
                reply.set("parts", streamed.get("parts"));
            }
        } else if (result instanceof ProviderRejection rejection) {
            failure(reply, rejection.toException(), log).put("provider", rejection.provider());
        } else if (result instanceof AllProvidersFailed failed) {
            failure(reply, failed.deadlineExceeded()
                    ? new GatewayException(504, "timeout_error", "deadline_exceeded", null, failed.summary())
                    : failed.retryAfterMs() > 0
                    ? new GatewayException(429, "all_providers_failed", "all_providers_cooling_down", null,
                            failed.summary()).retryAfter(failed.retryAfterSeconds())
                    : new GatewayException(503, "all_providers_failed", "all_providers_failed", null, failed.summary()), log);
        } else {
            throw new IllegalStateException("chain returned no result");
        }
        attempts(reply.putArray("attempts"), log);
        replyRecord(exchange, reply);
    }

    /** A stored reply (the body, from the idempotency store) as this record's reply, marked x-gateway-replayed. */
    public void replay(Exchange exchange) throws Exception {
        replyRecord(exchange, exchange.getMessage().getBody(ObjectNode.class));
        exchange.getMessage().setHeader(dev.aigateway.idempotency.Idempotency.REPLAYED, "true");
    }

    /** A record the gateway cannot serve: the dead letter keeps its bytes and says why and where it came from. */
    public void deadLetter(Exchange exchange) {
        identify(exchange); // when the record was refused before it was read (authentication)
        Throwable why = recordFault(exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class));
        Message m = exchange.getMessage();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        Origin source = gateway.origin();
        Object topic = source == null ? null : source.topic();
        Object partition = source == null ? null : source.partition();
        Object offset = source == null ? null : source.offset();
        String reason = why == null ? "unknown" : Secrets.mask(why.getMessage());
        LOG.warn("Request record {}-{}@{} sent to the dead-letter topic: {}", topic, partition, offset, reason);
        metrics.deadLetter(why instanceof GatewayException g ? g.code() : "internal_error");
        metrics.request("kafka", "none", "rejected", 0, 0);
        byte[] original = gateway.originalRecord();
        m.removeHeaders("*");
        m.setHeader("dlq-reason", reason);
        m.setHeader("dlq-code", why instanceof GatewayException g ? g.code() : "internal_error");
        m.setHeader("dlq-source-topic", String.valueOf(topic));
        m.setHeader("dlq-source-partition", String.valueOf(partition));
        m.setHeader("dlq-source-offset", String.valueOf(offset));
        if (source != null && source.key() != null) {
            m.setHeader(KafkaConstants.KEY, source.key());
        }
        m.setBody(original != null ? original : new byte[0]);
        exchange.setProperty(DEAD_LETTER_REASON, why);
    }

    /**
     * A reply the broker refused as too large, or that could not be serialised, is the record's fault:
     * it would fail the same way on every redelivery. It becomes a GatewayException with its own code.
     */
    static Throwable recordFault(Throwable why) {
        for (Throwable t = why; t != null; t = t.getCause()) {
            if (t instanceof RecordTooLargeException) {
                return new GatewayException(500, "server_error", "reply_too_large", null,
                        "The broker refused the reply as too large: " + t.getMessage());
            }
            if (t instanceof SerializationException) {
                return new GatewayException(500, "server_error", "reply_not_serializable", null,
                        "The reply could not be serialised: " + t.getMessage());
            }
        }
        return why;
    }

    /** True when a failure reply can be addressed: the record's request_id was read (or derived). */
    public boolean canReply(Exchange exchange) {
        return GatewayRequest.of(exchange).requestId() != null;
    }

    /** After a dead letter: the failure reply, so the caller waiting on its request_id is not left in silence. */
    public void failureReply(Exchange exchange) throws Exception {
        Throwable why = exchange.getProperty(DEAD_LETTER_REASON, Throwable.class);
        GatewayException error = why instanceof GatewayException g ? g
                : new GatewayException(500, "server_error", "internal_error", null, "The gateway failed on this request");
        GatewayRequest gateway = GatewayRequest.of(exchange);
        ObjectNode reply = Json.object().put("request_id", gateway.requestId()).put("session_id", gateway.sessionId());
        failure(reply, error, gateway.attempts());
        replyRecord(exchange, reply);
    }

    private ObjectNode failure(ObjectNode reply, GatewayException error, AttemptLog log) {
        reply.put("success", false);
        ObjectNode e = reply.putObject("error").put("message", error.getMessage()).put("type", error.type())
                .put("code", error.code()).put("status", error.status());
        if (error.retryAfterSeconds() > 0) {
            e.put("retry_after_s", error.retryAfterSeconds());
        }
        ArrayNode tried = reply.putArray("providers_tried");
        if (log != null) {
            log.attempts().forEach(a -> tried.add(a.provider()));
            reply.put("latency_ms", log.elapsedMs());
        }
        return reply;
    }

    private void replyRecord(Exchange exchange, ObjectNode reply) throws Exception {
        Message m = exchange.getMessage();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        Origin source = gateway.origin();
        m.removeHeaders("*");
        if (source != null && source.key() != null) {
            m.setHeader(KafkaConstants.KEY, source.key());
        }
        m.setHeader(KafkaConstants.OVERRIDE_TOPIC, gateway.replyTopic() != null ? gateway.replyTopic() : replyTopic);
        m.setHeader("correlation-id", gateway.requestId());
        m.setBody(Json.MAPPER.writeValueAsBytes(reply));
    }

    private static void attempts(ArrayNode array, AttemptLog log) {
        for (Attempt a : log.attempts()) {
            array.addObject().put("provider", a.provider()).put("outcome", a.outcome()).put("status", a.status())
                    .put("latency_ms", a.latencyMs()).put("error", a.error());
        }
    }

    /** {@code topic} matches the reply-to pattern but is the gateway's own (the replay topic): no request may name it. */
    public KafkaIngress reserveReplyTopic(String topic) {
        reserved.add(topic);
        return this;
    }

    /** Same record, same id: a redelivered request without request_id keeps the id it was answered with. */
    private static String stableId(Message m) {
        String where = "kafka:" + m.getHeader(KafkaConstants.TOPIC) + "/" + m.getHeader(KafkaConstants.PARTITION) + "/"
                + m.getHeader(KafkaConstants.OFFSET);
        return UUID.nameUUIDFromBytes(where.getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static JsonNode readLoosely(byte[] raw) {
        try {
            JsonNode n = raw == null || raw.length == 0 ? null : Json.MAPPER.readTree(raw);
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String header(Message m, String name) {
        Object v = m.getHeader(name);
        if (v instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return v == null ? null : v.toString();
    }
}

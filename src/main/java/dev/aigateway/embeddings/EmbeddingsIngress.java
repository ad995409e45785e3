package dev.aigateway.embeddings;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.idempotency.Idempotency;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;

/**
 * Reads an embeddings request, from {@code POST /v1/embeddings} (routes/http-ingress.yaml) or a Kafka record with
 * {@code "endpoint": "embeddings"} (KafkaIngress), into the request's {@link GatewayRequest}, marked as embeddings,
 * and points it at its chain, which must be an embeddings chain. From there it runs the chat path: key admission,
 * idempotency, the chain's breakers, accounting and the reply (HttpIngress.writeResponse, KafkaIngress.toReply).
 */
public class EmbeddingsIngress {
    private final EmbeddingRequests parser;
    private final LiveChains chains;
    private final long maxBodyBytes;

    public EmbeddingsIngress(EmbeddingRequests parser, LiveChains chains, long maxBodyBytes) {
        this.parser = parser;
        this.chains = chains;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** POST /v1/embeddings: the same checks as a chat request's (starting, content type, size, idempotency-key). */
    public void readHttp(Exchange exchange) {
        Message m = exchange.getMessage();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        gateway.setAttempts(new AttemptLog());
        gateway.setEmbeddings(true);
        if (!chains.live()) {
            throw new GatewayException(503, "server_error", "gateway_starting", null,
                    "The gateway is starting; retry in a second").retryAfter(1);
        }
        String contentType = m.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            throw new GatewayException(415, "invalid_request_error", "unsupported_media_type", null,
                    "Content-Type must be application/json, got " + (contentType == null ? "none" : "'" + contentType + "'"));
        }
        byte[] raw = m.getBody(byte[].class);
        gateway.setBodyBytes(raw == null ? 0 : raw.length);
        if (raw != null && raw.length > maxBodyBytes) {
            throw new GatewayException(413, "invalid_request_error", "request_too_large", null,
                    "Request body is " + raw.length + " bytes; the limit is " + maxBodyBytes + " (gateway.max-body-bytes)");
        }
        String key = Identifiers.check(Idempotency.HEADER, m.getHeader(Idempotency.HEADER, String.class));
        JsonNode root = RequestParser.readJson(raw);
        String bodyId = root.path("request_id").isTextual() ? root.get("request_id").asText() : null;
        ChatRequest request = parser.parse(root, m.getHeader("x-gateway-chain", String.class), c -> chains.endpoint(c) != null);
        if (key != null) {
            if (bodyId != null && !bodyId.equals(key)) {
                throw new GatewayException(400, "invalid_request_error", "idempotency_key_mismatch", Idempotency.HEADER,
                        "Header idempotency-key and body field request_id name different requests; send one, or the "
                                + "same value in both");
            }
            request = request.withRequestId(key);
        }
        gateway.setRequestId(key != null ? key : bodyId);
        gateway.setChatRequest(request);
        chains.select(exchange, gateway, request.chain(), request.route());
    }

    /** A Kafka record with "endpoint": "embeddings" (the field already removed), its request id already read. */
    public void readKafka(Exchange exchange, JsonNode root, String chainHeader) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        gateway.setEmbeddings(true);
        ChatRequest request = parser.parse(root, chainHeader, c -> chains.endpoint(c) != null)
                .withRequestId(gateway.requestId());
        gateway.setChatRequest(request);
        chains.select(exchange, gateway, request.chain(), request.route());
    }
}

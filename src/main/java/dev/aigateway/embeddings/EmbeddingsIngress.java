package dev.aigateway.embeddings;


import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;
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
        byte[] raw = dev.aigateway.http.HttpRequestChecks.body(exchange, chains, maxBodyBytes);
        JsonNode root = RequestParser.readJson(raw);
        String bodyId = root.path("request_id").isTextual() ? root.get("request_id").asText() : null;
        ChatRequest request = parser.parse(root, m.getHeader("x-gateway-chain", String.class), c -> chains.endpoint(c) != null);
        request = dev.aigateway.http.HttpRequestChecks.clientId(exchange, request, bodyId);
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

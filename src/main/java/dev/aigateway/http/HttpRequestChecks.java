package dev.aigateway.http;

import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.idempotency.Idempotency;
import dev.aigateway.request.GatewayRequest;

/**
 * What every HTTP endpoint over the chains checks before it parses a body (chat completions, messages,
 * responses, embeddings): the gateway is live, the body is JSON and within gateway.max-body-bytes, the
 * idempotency-key header is an identifier and agrees with the body's request_id.
 */
public final class HttpRequestChecks {
    private HttpRequestChecks() {
    }

    /** The request's body bytes, after the checks that need no parsing; the key the client chose is recorded. */
    public static byte[] body(Exchange exchange, LiveChains chains, long maxBodyBytes) {
        Message m = exchange.getMessage();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        if (!chains.live()) {
            // the server listens a moment before the chains are live: "come back in a second", never unknown_chain
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
        // idempotency-key is an identifier: checked before the body is parsed (Identifiers), like request_id
        String key = Identifiers.check(Idempotency.HEADER, m.getHeader(Idempotency.HEADER, String.class));
        gateway.setRequestId(key); // a request refused below is still logged under the id its client chose
        return raw;
    }

    /**
     * The parsed request under the id its client chose: the idempotency-key header, else the body's request_id
     * ({@code bodyId}); both given and different is a 400. Records that id (null: none chosen) for idempotent replies.
     */
    public static ChatRequest clientId(Exchange exchange, ChatRequest request, String bodyId) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String key = gateway.requestId();
        if (key != null) {
            if (bodyId != null && !bodyId.equals(key)) {
                throw new GatewayException(400, "invalid_request_error", "idempotency_key_mismatch", Idempotency.HEADER,
                        "Header idempotency-key and body field request_id name different requests; send one, or the "
                                + "same value in both");
            }
            request = request.withRequestId(key);
        }
        gateway.setRequestId(key != null ? key : bodyId);
        return request;
    }
}

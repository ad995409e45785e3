package dev.aigateway.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request the gateway refuses before any provider is called (or a provider's verdict that it is the
 * client's fault). Carries the HTTP status and the OpenAI-style error fields, so every client SDK can
 * read it.
 */
public class GatewayException extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private long retryAfterSeconds = -1;
    private boolean shouldRetry = true;

    public GatewayException(int status, String type, String code, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    public static GatewayException invalid(String param, String message) {
        return new GatewayException(400, "invalid_request_error", "invalid_request", param, message);
    }

    /** Sent as Retry-After (HTTP) / retry_after_s (Kafka). */
    public GatewayException retryAfter(long seconds) {
        this.retryAfterSeconds = seconds;
        return this;
    }

    /** Retrying will not help (a spent budget): the SDKs are told so with x-should-retry: false. */
    public GatewayException noRetry() {
        this.shouldRetry = false;
        return this;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public boolean shouldRetry() {
        return shouldRetry;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    /** {"error": {"message", "type", "param", "code"}} as OpenAI sends it. */
    public ObjectNode toBody() {
        ObjectNode error = Json.object();
        error.put("message", getMessage());
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        ObjectNode body = Json.object();
        body.set("error", error);
        return body;
    }
}

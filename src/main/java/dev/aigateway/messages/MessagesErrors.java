package dev.aigateway.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * The gateway's errors in Anthropic's shape: {@code {"type":"error","error":{"type","message"}}}, the type
 * from the HTTP status as Anthropic's API uses them. The gateway's own detail (code, param, providers_tried)
 * stays beside them in the error object: the Anthropic SDKs keep the whole body on their APIError.
 */
public final class MessagesErrors {
    private MessagesErrors() {
    }

    /**
     * @param openAiError the gateway's {@code {"error": {...}}}
     * @param status      its HTTP status; 0 for an error event inside a stream (the type then comes from the body)
     */
    public static ObjectNode of(ObjectNode openAiError, int status) {
        JsonNode in = openAiError.path("error");
        ObjectNode body = Json.object().put("type", "error");
        ObjectNode error = body.putObject("error");
        error.put("type", type(status, in));
        error.put("message", in.path("message").asText(""));
        for (var it = in.fields(); it.hasNext();) {
            var f = it.next();
            if (!"type".equals(f.getKey()) && !"message".equals(f.getKey())) {
                error.set(f.getKey(), f.getValue());
            }
        }
        return body;
    }

    /** Anthropic's error type of a status (its documented pairs), or of the gateway's error type inside a stream. */
    static String type(int status, JsonNode error) {
        String code = error.path("code").asText("");
        if (status == 0) {
            String type = error.path("type").asText("");
            return switch (type) {
                case "invalid_request_error", "authentication_error", "permission_error", "rate_limit_error" -> type;
                default -> "rate_limit_exceeded".equals(code) ? "rate_limit_error" : "api_error";
            };
        }
        return switch (status) {
            case 400, 409, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402, 403 -> "permission_error";
            case 404, 405 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            // the gateway itself is full or starting: Anthropic's word for "come back shortly"
            case 503 -> code.startsWith("gateway_") ? "overloaded_error" : "api_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }
}

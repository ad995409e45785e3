package dev.aigateway.provider;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aigateway.api.Json;

/** Shared reading of upstream errors: the fallback policy and the Retry-After header. */
public final class UpstreamErrors {
    private UpstreamErrors() {
    }

    /**
     * True when the request itself is at fault (every provider would refuse it): the client gets the error
     * and the chain stops. Auth failures dressed as 400 (Gemini's API_KEY_INVALID) still fall back.
     */
    public static boolean isClientError(UpstreamError e) {
        boolean requestFault = e.status() == 400 || e.status() == 413 || e.status() == 422;
        String text = (e.code() + " " + e.type() + " " + e.message()).toLowerCase(Locale.ROOT);
        boolean credentialFault = text.contains("api_key_invalid") || text.contains("api key not valid")
                || text.contains("authentication") || text.contains("permission");
        return requestFault && !credentialFault;
    }

    /** The outcome name recorded in attempts and metrics. */
    public static String outcome(UpstreamError e) {
        return switch (e.status()) {
            case 429 -> "insufficient_quota".equals(e.code()) || "insufficient_quota".equals(e.type())
                    ? "quota_exhausted" : "rate_limited";
            case 401, 403 -> "auth_error";
            case 402 -> "payment_required";
            case 408 -> "timeout";
            case 529 -> "overloaded";
            default -> e.status() >= 500 ? "http_" + e.status() : "http_" + e.status();
        };
    }

    /** retry-after-ms, then retry-after as seconds or an HTTP date; -1 when absent or unreadable. */
    public static long retryAfterMs(Map<String, Object> headers) {
        Object ms = header(headers, "retry-after-ms");
        if (ms != null) {
            try {
                return Math.round(Double.parseDouble(ms.toString().trim()));
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        Object ra = header(headers, "retry-after");
        if (ra == null) {
            return -1;
        }
        String v = ra.toString().trim();
        try {
            return Math.round(Double.parseDouble(v) * 1000);
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
            } catch (RuntimeException notDate) {
                return -1;
            }
        }
    }

    /** Parses a JSON error body; tolerates a JSON array around it (Gemini) and non-JSON text. */
    public static JsonNode errorNode(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root != null && root.isArray() && !root.isEmpty()) {
                root = root.get(0);
            }
            return root != null && root.has("error") ? root.get("error") : root;
        } catch (Exception e) {
            return null;
        }
    }

    /** First 300 characters of a non-JSON body, for the error message. */
    public static String snippet(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String s = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip();
        return s.replaceAll("\\s+", " ");
    }

    static String text(JsonNode node, String field) {
        if (node == null || !node.hasNonNull(field)) {
            return null;
        }
        JsonNode v = node.get(field);
        return v.isValueNode() ? v.asText() : v.toString();
    }

    private static Object header(Map<String, Object> headers, String name) {
        for (Map.Entry<String, Object> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}

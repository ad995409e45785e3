package dev.aigateway.requestlog;

import java.util.List;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.api.Json;

/**
 * GET /admin/requests, /admin/requests/{id} and /admin/usage, from this instance's {@link RequestWindow}
 * (docs/request-log.md). Guarded like /admin/providers (routes/http-ingress.yaml).
 */
public final class RequestLogAdmin {
    /** Most records one GET /admin/requests returns. */
    static final int MAX_LIMIT = 1000;

    private final RequestWindow window;

    public RequestLogAdmin(RequestWindow window) {
        this.window = window;
    }

    /** GET /admin/requests?limit=&key=&provider=&outcome=&chain= : newest first. */
    public void requests(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        int limit = number(m, "limit", 100, 1, MAX_LIMIT);
        String key = Identifiers.check("key", blankToNull(m.getHeader("key", String.class)));
        String provider = Identifiers.check("provider", blankToNull(m.getHeader("provider", String.class)));
        String outcome = Identifiers.check("outcome", blankToNull(m.getHeader("outcome", String.class)));
        String chain = Identifiers.check("chain", blankToNull(m.getHeader("chain", String.class)));
        Predicate<ObjectNode> filter = r -> (key == null || key.equals(r.path("key_id").asText(null)))
                && (provider == null || touched(r, provider))
                && (outcome == null || outcome.equals(r.path("outcome").asText(null)))
                && (chain == null || chain.equals(r.path("chain").asText(null)));
        List<ObjectNode> found = window.newest(filter, limit);
        ObjectNode body = Json.object();
        found.forEach(body.putArray("data")::add);
        reply(m, 200, body);
    }

    /** GET /admin/requests/{id}: one record, or 404 unknown_request. */
    public void request(Exchange exchange) throws Exception {
        String id = Identifiers.check("request_id", exchange.getMessage().getHeader("id", String.class));
        ObjectNode r = id == null ? null : window.get(id);
        if (r == null) {
            throw unknown(id);
        }
        reply(exchange.getMessage(), 200, r);
    }

    /** GET /admin/usage?minutes=60: per-minute requests, tokens and cost by provider, model and key. */
    public void usage(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        int most = (int) Math.max(1, window.windowMs() / 60_000);
        reply(m, 200, window.usage(number(m, "minutes", Math.min(60, most), 1, most)));
    }

    static GatewayException unknown(String id) {
        return new GatewayException(404, "invalid_request_error", "unknown_request", "request_id", "No request '" + id
                + "' in this instance's request log (it keeps gateway.request-log.window / window-max records)");
    }

    /** provider= matches the provider that answered and every provider tried. */
    private static boolean touched(ObjectNode r, String provider) {
        if (provider.equals(r.path("provider").asText(null))) {
            return true;
        }
        for (JsonNode a : r.path("attempts")) {
            if (provider.equals(a.path("provider").asText(null))) {
                return true;
            }
        }
        return false;
    }

    private static int number(Message m, String name, int dflt, int min, int max) {
        String v = blankToNull(m.getHeader(name, String.class));
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw GatewayException.invalid(name, name + " must be a whole number from " + min + " to " + max + "; got '"
                + (v.length() > 20 ? v.substring(0, 20) + "..." : v) + "'");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    static void reply(Message m, int status, JsonNode body) throws Exception {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.MAPPER.writeValueAsBytes(body));
    }
}

package dev.aigateway.embeddings;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Identifiers;
import dev.aigateway.api.ModelRoutes;

/**
 * Validates an OpenAI embeddings request ({@code input} as a string, an array of strings, a token array or an
 * array of token arrays; {@code model}; {@code dimensions}; {@code encoding_format} float | base64; {@code user})
 * and selects its chain like a chat request does: x-gateway-chain, body {@code chain}, else {@code model}. The
 * result travels as a {@link ChatRequest} whose body holds those fields, so keys, idempotency, accounting and
 * replies treat it like any request; {@code GatewayRequest.embeddings()} tells the provider call what to send.
 */
public final class EmbeddingRequests {
    /** OpenAI's limit on inputs per request. */
    static final int MAX_INPUTS = 2048;
    private static final Set<String> FIELDS = Set.of("input", "model", "dimensions", "encoding_format", "user");
    private static final Set<String> GATEWAY_FIELDS = Set.of("chain", "request_id", "session_id");

    private final ModelRoutes models;
    private final boolean dropUnknown;

    /** @param unknownFields gateway.unknown-fields: reject | drop */
    public EmbeddingRequests(ModelRoutes models, String unknownFields) {
        this.models = models;
        this.dropUnknown = "drop".equals(unknownFields);
    }

    /**
     * @param chainOverride x-gateway-chain, or null
     * @param chainExists   whether a chain of that name is loaded
     */
    public ChatRequest parse(JsonNode root, String chainOverride, Predicate<String> chainExists) {
        String override = chainOverride != null && !chainOverride.isBlank() ? chainOverride.trim() : null;
        Identifiers.check("x-gateway-chain", override);
        if (!(root instanceof ObjectNode body)) {
            throw GatewayException.invalid(null, "Request body must be a JSON object");
        }
        for (String f : GATEWAY_FIELDS) {
            Identifiers.check(f, text(body, f));
        }
        List<String> dropped = new ArrayList<>();
        for (String f : fieldNames(body)) {
            if (FIELDS.contains(f) || GATEWAY_FIELDS.contains(f)) {
                continue;
            }
            if (!dropUnknown || !Identifiers.valid(f) || dropped.size() >= 16) {
                String shown = f.length() > 64 ? f.substring(0, 64) + "..." : f;
                throw new GatewayException(400, "invalid_request_error", "unsupported_parameter", shown,
                        "Unrecognized request argument supplied: '" + shown + "'. Embeddings take input, model, "
                                + "dimensions, encoding_format and user");
            }
            dropped.add(f);
            body.remove(f);
        }
        for (String optional : new String[] { "dimensions", "encoding_format", "user" }) {
            if (body.has(optional) && body.get(optional).isNull()) {
                body.remove(optional); // null is "not given" (never sent on to a provider that might refuse it)
            }
        }
        checkInput(body.get("input"));
        JsonNode model = body.get("model");
        if (model != null && !model.isTextual() || model != null && model.asText().isBlank()) {
            throw GatewayException.invalid("model", "'model' must be a non-empty string: an embeddings model alias");
        }
        JsonNode dims = body.get("dimensions");
        if (dims != null && !dims.isNull() && (!dims.canConvertToInt() || !dims.isIntegralNumber() || dims.asInt() < 1)) {
            throw GatewayException.invalid("dimensions", "'dimensions' must be a positive integer; got " + abbreviate(dims));
        }
        JsonNode format = body.get("encoding_format");
        if (format != null && !format.isNull() && !("float".equals(format.asText()) && format.isTextual()
                || "base64".equals(format.asText()) && format.isTextual())) {
            throw GatewayException.invalid("encoding_format", "'encoding_format' must be float or base64; got "
                    + abbreviate(format));
        }
        JsonNode user = body.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw GatewayException.invalid("user", "'user' must be a string");
        }
        ModelRoutes.Route route;
        if (override != null) {
            route = new ModelRoutes.Route(override, "x-gateway-chain");
        } else if (text(body, "chain") != null) {
            route = new ModelRoutes.Route(text(body, "chain"), "chain");
        } else if (model == null) {
            throw new GatewayException(400, "invalid_request_error", "missing_required_parameter", "model",
                    "Missing required parameter: 'model' (an embeddings model alias; GET /v1/models lists them)");
        } else {
            route = models.routeEmbeddings(model.asText());
        }
        if (!route.chain().matches("[A-Za-z0-9_-]{1,64}") || !chainExists.test(route.chain())) {
            throw new GatewayException(400, "invalid_request_error", "unknown_chain", "chain",
                    "Unknown chain '" + route.chain() + "': add routes/chain-" + route.chain() + ".yaml or use an existing chain");
        }
        String requestId = text(body, "request_id");
        String sessionId = text(body, "session_id");
        GATEWAY_FIELDS.forEach(body::remove);
        return new ChatRequest(body, route.chain(), requestId != null ? requestId : UUID.randomUUID().toString(),
                sessionId, dropped, route.reason());
    }

    /** A string, an array of strings, an array of token ids, or an array of token-id arrays; nothing empty. */
    static void checkInput(JsonNode input) {
        if (input == null || input.isNull()) {
            throw new GatewayException(400, "invalid_request_error", "missing_required_parameter", "input",
                    "Missing required parameter: 'input'");
        }
        if (input.isTextual()) {
            if (input.asText().isEmpty()) {
                throw GatewayException.invalid("input", "'input' must not be an empty string");
            }
            return;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayException.invalid("input", "'input' must be a string, an array of strings, an array of "
                    + "token ids or an array of token-id arrays (not empty)");
        }
        if (input.size() > MAX_INPUTS) {
            throw GatewayException.invalid("input", "'input' has " + input.size() + " items; at most " + MAX_INPUTS);
        }
        JsonNode first = input.get(0);
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            boolean ok = first.isTextual() ? item.isTextual() && !item.asText().isEmpty()
                    : first.isIntegralNumber() ? token(item)
                    : first.isArray() && item.isArray() && !item.isEmpty() && allTokens(item);
            if (!ok) {
                throw GatewayException.invalid("input", "'input[" + i + "]' is invalid: every item must be a non-empty "
                        + (first.isTextual() ? "string" : first.isIntegralNumber() ? "token id (integer, 0 or more)"
                                : "array of token ids") + " like the first");
            }
        }
    }

    private static boolean allTokens(JsonNode array) {
        for (JsonNode t : array) {
            if (!token(t)) {
                return false;
            }
        }
        return true;
    }

    private static boolean token(JsonNode t) {
        return t.isIntegralNumber() && t.canConvertToInt() && t.asInt() >= 0;
    }

    /** How many vectors the request asks for: one per string or token array. */
    public static int inputs(ObjectNode body) {
        JsonNode input = body.get("input");
        return input.isTextual() || input.get(0).isIntegralNumber() ? 1 : input.size();
    }

    /**
     * The input's size in tokens when a provider reports no usage: a token id counts one, text about four
     * characters a token (what OpenAI's tokenizers average on English).
     */
    public static long estimatedTokens(ObjectNode body) {
        JsonNode input = body.get("input");
        if (input.isTextual()) {
            return Math.max(1, (input.asText().length() + 3) / 4);
        }
        long tokens = 0;
        for (JsonNode item : input) {
            tokens += item.isTextual() ? Math.max(1, (item.asText().length() + 3) / 4) : item.isArray() ? item.size() : 1;
        }
        return tokens;
    }

    /** The client asked for base64-encoded vectors. */
    public static boolean base64(ObjectNode body) {
        return "base64".equals(body.path("encoding_format").asText(null));
    }

    private static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static List<String> fieldNames(ObjectNode body) {
        List<String> names = new ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}

package dev.aigateway.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.provider.AnthropicAdapter;
import dev.aigateway.provider.AzureOpenAiAdapter;
import dev.aigateway.provider.OpenAiCompatibleAdapter;

/**
 * Validates a chat request (OpenAI form, or the short form {@code prompt}/{@code system_message}) and
 * normalises it. Everything a provider would reject anyway is refused here, so bad input never costs a
 * provider call and never yields a 500. Shared by the HTTP and Kafka ingresses.
 *
 * <p>Order: the client-chosen identifiers first (request_id, session_id, chain: they end up in headers, keys
 * and log lines), then the fields (only those some provider API is sent, see the adapters' FORWARDED_FIELDS),
 * then messages and parameters, then the gateway's limits on max_tokens and n.
 */
public final class RequestParser {
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    /** Fields of the gateway's own; they never reach a provider. */
    private static final Set<String> GATEWAY_FIELDS = Set.of("prompt", "system_message", "require_expensive_model",
            "chain", "request_id", "session_id");
    /** Every field a request may carry: the gateway's, and what at least one provider API is sent. */
    static final Set<String> ACCEPTED_FIELDS = union(GATEWAY_FIELDS, OpenAiCompatibleAdapter.FORWARDED_FIELDS,
            AzureOpenAiAdapter.FORWARDED_FIELDS, AnthropicAdapter.FORWARDED_FIELDS);
    /** True when a chat request may carry {@code field} (the gateway's own, or one some provider API is sent). */
    public static boolean accepts(String field) {
        return ACCEPTED_FIELDS.contains(field);
    }

    /** More unknown fields than this are refused even with gateway.unknown-fields=drop (they are named in a header). */
    private static final int MAX_DROPPED = 16;

    private final String defaultChain;
    private final String premiumChain;
    /** Route by model; null: the model is not looked at (the parser's unit tests) */
    private ModelRoutes models;
    /** How model auto chooses; null: auto is the default chain (ModelRoutes) */
    private AutoRoutes auto;
    private final int maxTokensLimit;
    private final int maxN;
    private final boolean dropUnknown;

    /** With the shipped limits (max_tokens 32768, n 8) and unknown fields refused. */
    public RequestParser(String defaultChain, String premiumChain) {
        this(defaultChain, premiumChain, 32_768, 8, "reject");
    }

    /**
     * @param maxTokensLimit gateway.max-tokens-limit: largest max_tokens / max_completion_tokens
     * @param maxN           gateway.max-n: largest n
     * @param unknownFields  gateway.unknown-fields: reject (400 unsupported_parameter) | drop (removed, named in a header)
     */
    public RequestParser(String defaultChain, String premiumChain, int maxTokensLimit, int maxN, String unknownFields) {
        this.defaultChain = defaultChain;
        this.premiumChain = premiumChain;
        if (maxTokensLimit < 1 || maxN < 1) {
            throw new IllegalStateException("gateway.max-tokens-limit and gateway.max-n must be positive integers; got "
                    + maxTokensLimit + " and " + maxN);
        }
        this.maxTokensLimit = maxTokensLimit;
        this.maxN = maxN;
        String mode = unknownFields == null ? "" : unknownFields.trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("reject") && !mode.equals("drop")) {
            throw new IllegalStateException("gateway.unknown-fields must be reject or drop; got '" + unknownFields + "'");
        }
        this.dropUnknown = mode.equals("drop");
    }

    /** Lets the request's {@code model} choose its chain. */
    public RequestParser models(ModelRoutes models) {
        this.models = models;
        return this;
    }

    /** Lets {@code model: auto} choose its chain by the request's size, tools and images. */
    public RequestParser auto(AutoRoutes auto) {
        this.auto = auto;
        return this;
    }

    public ModelRoutes modelRoutes() {
        return models;
    }

    /**
     * @param chainOverride chain named outside the body (x-gateway-chain header), or null
     * @param chainExists   whether a chain route of that name is loaded
     */
    public ChatRequest parse(byte[] raw, String chainOverride, Predicate<String> chainExists) {
        return parse(readJson(raw), chainOverride, chainExists, false);
    }

    /** @param budgetStepDown the caller's key is past gateway.auth.budget-step-down: model auto takes the budget chain */
    public ChatRequest parse(byte[] raw, String chainOverride, Predicate<String> chainExists, boolean budgetStepDown) {
        return parse(readJson(raw), chainOverride, chainExists, budgetStepDown);
    }

    /** The body as JSON, or the 400 a client should get for it. */
    public static JsonNode readJson(byte[] raw) {
        if (raw == null || raw.length == 0) {
            throw GatewayException.invalid(null, "Request body is empty: send a JSON chat completion request");
        }
        try {
            return Json.MAPPER.readTree(raw);
        } catch (JacksonException e) {
            throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
                    "Request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new GatewayException(400, "invalid_request_error", "invalid_json", null,
                    "Request body could not be read: " + e.getMessage());
        }
    }

    /** Validates an already parsed body (see {@link #readJson}). */
    public ChatRequest parse(JsonNode root, String chainOverride, Predicate<String> chainExists) {
        return parse(root, chainOverride, chainExists, false);
    }

    /** Validates an already parsed body; {@code budgetStepDown} as in {@link #parse(byte[], String, Predicate, boolean)}. */
    public ChatRequest parse(JsonNode root, String chainOverride, Predicate<String> chainExists, boolean budgetStepDown) {
        // identifiers first: they reach headers, record keys and log lines, so nothing else may see a bad one
        String override = chainOverride != null && !chainOverride.isBlank() ? chainOverride.trim() : null;
        Identifiers.check("x-gateway-chain", override);
        if (root instanceof ObjectNode b) {
            for (String f : new String[] { "request_id", "session_id", "chain" }) {
                Identifiers.check(f, textField(b, f));
            }
        }
        if (!(root instanceof ObjectNode body)) {
            throw GatewayException.invalid(null, "Request body must be a JSON object");
        }
        List<String> dropped = checkFields(body);
        if (!body.has("messages") && body.has("prompt")) {
            body.set("messages", shortFormMessages(body));
        }
        validateMessages(body.get("messages"));
        validateParameters(body);
        atMost(body, "max_tokens", maxTokensLimit, "gateway.max-tokens-limit");
        atMost(body, "max_completion_tokens", maxTokensLimit, "gateway.max-tokens-limit");
        atMost(body, "n", maxN, "gateway.max-n");

        // a chain named outright wins over the model (x-gateway-chain, then body chain, then require_expensive_model)
        ModelRoutes.Route route = override != null ? new ModelRoutes.Route(override, "x-gateway-chain")
                : textField(body, "chain") != null ? new ModelRoutes.Route(textField(body, "chain"), "chain")
                : booleanField(body, "require_expensive_model") ? new ModelRoutes.Route(premiumChain, "require_expensive_model")
                : auto != null && ModelRoutes.AUTO.equals(textField(body, "model")) ? auto.choose(body, budgetStepDown)
                : models != null ? models.route(textField(body, "model"))
                : new ModelRoutes.Route(defaultChain, "default");
        String chain = route.chain();
        if (!chain.matches("[A-Za-z0-9_-]{1,64}") || !chainExists.test(chain)) {
            throw new GatewayException(400, "invalid_request_error", "unknown_chain", "chain",
                    "Unknown chain '" + chain + "': add routes/chain-" + chain + ".yaml or use an existing chain");
        }
        String requestId = textField(body, "request_id");
        String sessionId = textField(body, "session_id");
        for (String f : GATEWAY_FIELDS) {
            body.remove(f);
        }
        return new ChatRequest(body, chain, requestId != null ? requestId : UUID.randomUUID().toString(), sessionId,
                dropped, route.reason());
    }

    /**
     * Refuses the fields whose cost the price table does not know, and the fields no provider API is sent:
     * 400 unsupported_parameter naming the field, or (gateway.unknown-fields=drop) removes the unknown ones.
     *
     * @return the fields dropped
     */
    private List<String> checkFields(ObjectNode body) {
        pricedExtras(body);
        List<String> unknown = new ArrayList<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!ACCEPTED_FIELDS.contains(f)) {
                unknown.add(f);
            }
        });
        if (unknown.isEmpty()) {
            return List.of();
        }
        String first = unknown.get(0);
        if (!dropUnknown) {
            throw unsupported(abbreviate(first), "Unrecognized request argument supplied: '" + abbreviate(first)
                    + "'. This gateway forwards only the chat-completions fields listed in its docs/api.md (Which request fields reach a provider); "
                    + (unknown.size() > 1 ? unknown.size() + " unknown fields in all" : "no other unknown field"));
        }
        for (String f : unknown) {
            if (!Identifiers.valid(f)) {
                // its name would go into the x-gateway-dropped-fields header
                throw unsupported(abbreviate(f), "Unrecognized request argument with a name that cannot be reported"
                        + " (1 to " + Identifiers.MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : -)");
            }
        }
        if (unknown.size() > MAX_DROPPED) {
            throw unsupported(abbreviate(first), unknown.size() + " unrecognized request arguments; at most "
                    + MAX_DROPPED + " are dropped");
        }
        body.remove(unknown);
        return unknown;
    }

    /** Known fields that make a provider bill more than tokens at the price table's rates: refused, never dropped. */
    private static void pricedExtras(ObjectNode body) {
        JsonNode tier = body.get("service_tier");
        if (tier != null && !tier.isNull() && !(tier.isTextual() && Set.of("auto", "default").contains(tier.asText()))) {
            throw unsupported("service_tier", "'service_tier' may only be auto or default on this gateway: other tiers"
                    + " (flex, priority, scale) are billed at prices its price table does not know");
        }
        JsonNode modalities = body.get("modalities");
        if (modalities != null && !modalities.isNull()) {
            boolean textOnly = modalities.isArray();
            for (JsonNode m : modalities) {
                textOnly &= "text".equals(m.asText(null));
            }
            if (!textOnly) {
                throw unsupported("modalities", "'modalities' may only be [\"text\"] on this gateway: audio output is"
                        + " billed per audio token, which its price table does not know");
            }
        }
        String[][] priced = {
                { "audio", "audio output is billed per audio token, which the gateway's price table does not know" },
                { "web_search_options", "web search is billed per search on top of tokens, which the gateway's price"
                        + " table does not know" },
                { "prediction", "predicted outputs bill rejected prediction tokens the gateway cannot attribute" },
        };
        for (String[] p : priced) {
            JsonNode v = body.get(p[0]);
            if (v != null && !v.isNull()) {
                throw unsupported(p[0], "'" + p[0] + "' is not supported on this gateway: " + p[1]);
            }
        }
    }

    private static GatewayException unsupported(String param, String message) {
        return new GatewayException(400, "invalid_request_error", "unsupported_parameter", param, message);
    }

    /**
     * A 400 {@code integer_above_max_value} (OpenAI's code for it) when {@code field} is above {@code limit};
     * a limit of 0 or less is none. {@code source} names the limit (a setting, or the API key's own).
     */
    public static void atMost(ObjectNode body, String field, int limit, String source) {
        JsonNode v = body.get(field);
        if (limit <= 0 || v == null || !v.canConvertToInt() || v.asInt() <= limit) {
            return;
        }
        throw new GatewayException(400, "invalid_request_error", "integer_above_max_value", field, "Invalid '" + field
                + "': integer above maximum value. Expected a value <= " + limit + " (" + source + "), but got "
                + v.asInt() + " instead.");
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new HashSet<>();
        for (Set<String> s : sets) {
            all.addAll(s);
        }
        return Set.copyOf(all);
    }

    private static ArrayNode shortFormMessages(ObjectNode body) {
        String prompt = textField(body, "prompt");
        if (prompt == null || prompt.isBlank()) {
            throw GatewayException.invalid("prompt", "'prompt' must be a non-empty string");
        }
        ArrayNode messages = Json.MAPPER.createArrayNode();
        String system = textField(body, "system_message");
        if (system != null && !system.isBlank()) {
            messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", prompt);
        return messages;
    }

    private static void validateMessages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            throw GatewayException.invalid("messages", "'messages' is required (or the short form 'prompt')");
        }
        if (!messages.isArray()) {
            throw GatewayException.invalid("messages", "'messages' must be an array of message objects");
        }
        if (messages.isEmpty()) {
            throw GatewayException.invalid("messages", "'messages' must contain at least one message");
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw GatewayException.invalid(at, at + " must be an object with 'role' and 'content'");
            }
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw GatewayException.invalid(at + ".role", at + ".role must be one of " + ROLES
                        + (role == null ? "" : ", got " + abbreviate(role.toString())));
            }
            JsonNode content = m.get("content");
            boolean toolCalls = m.hasNonNull("tool_calls") || m.hasNonNull("function_call");
            if (content == null || content.isNull()) {
                if (!("assistant".equals(role.asText()) && toolCalls)) {
                    throw GatewayException.invalid(at + ".content", at + ".content is required");
                }
            } else if (content.isArray()) {
                for (JsonNode part : content) {
                    if (!part.isObject() || !part.path("type").isTextual()) {
                        throw GatewayException.invalid(at + ".content",
                                at + ".content parts must be objects with a 'type'");
                    }
                }
            } else if (!content.isTextual()) {
                throw GatewayException.invalid(at + ".content", at + ".content must be a string or an array of parts");
            }
            if ("tool".equals(role.asText()) && !m.path("tool_call_id").isTextual()) {
                throw GatewayException.invalid(at + ".tool_call_id", "a tool message needs 'tool_call_id'");
            }
        }
    }

    private static void validateParameters(ObjectNode body) {
        number(body, "temperature", 0, 2);
        number(body, "top_p", 0, 1);
        number(body, "presence_penalty", -2, 2);
        number(body, "frequency_penalty", -2, 2);
        positiveInt(body, "max_tokens");
        positiveInt(body, "max_completion_tokens");
        positiveInt(body, "n");
        JsonNode model = body.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw GatewayException.invalid("model", "'model' must be a string");
        }
        JsonNode stop = body.get("stop");
        if (stop != null && !stop.isNull() && !stop.isTextual()) {
            if (!stop.isArray()) {
                throw GatewayException.invalid("stop", "'stop' must be a string or an array of strings");
            }
            for (JsonNode s : stop) {
                if (!s.isTextual()) {
                    throw GatewayException.invalid("stop", "'stop' must be a string or an array of strings");
                }
            }
        }
        for (String flag : new String[] { "stream", "require_expensive_model" }) {
            JsonNode v = body.get(flag);
            if (v != null && !v.isNull() && !v.isBoolean()) {
                throw GatewayException.invalid(flag, "'" + flag + "' must be true or false");
            }
        }
        JsonNode streamOptions = body.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull()) {
            if (!streamOptions.isObject()) {
                throw GatewayException.invalid("stream_options", "'stream_options' must be an object");
            }
            JsonNode usage = streamOptions.get("include_usage");
            if (usage != null && !usage.isNull() && !usage.isBoolean()) {
                throw GatewayException.invalid("stream_options.include_usage", "'stream_options.include_usage' must be true or false");
            }
        }
        if (body.path("stream").asBoolean(false) && body.path("n").asInt(1) > 1) {
            // the gateway follows (and continues) one choice per stream
            throw new GatewayException(400, "invalid_request_error", "unsupported_parameter", "n",
                    "'n' greater than 1 cannot be combined with stream: true on this gateway; stream one choice per request");
        }
        for (String f : new String[] { "chain", "request_id", "session_id", "system_message" }) {
            JsonNode v = body.get(f);
            if (v != null && !v.isNull() && !v.isTextual()) {
                throw GatewayException.invalid(f, "'" + f + "' must be a string");
            }
        }
    }

    private static void number(ObjectNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw GatewayException.invalid(field, "'" + field + "' must be a number from " + min + " to " + max);
        }
    }

    private static void positiveInt(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw GatewayException.invalid(field, "'" + field + "' must be a positive integer");
        }
    }

    private static String textField(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    private static boolean booleanField(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        return v != null && v.isBoolean() && v.asBoolean();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

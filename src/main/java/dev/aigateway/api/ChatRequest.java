package dev.aigateway.api;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A validated chat request in OpenAI form. {@code body} holds only fields a provider may see (messages,
 * sampling parameters, tools); gateway fields (chain, request id, session id) live beside it.
 *
 * @param droppedFields fields of the client's body the gateway removed (gateway.unknown-fields=drop); the
 *                      response says so in x-gateway-dropped-fields
 * @param route         why {@code chain} was chosen ({@code model=claude-sonnet-4-6}, {@code x-gateway-chain}, {@code chain},
 *                      {@code require_expensive_model}, {@code default}): header x-gateway-route, reply field "route"
 * @param anthropic     the client's own Anthropic Messages body when it came in on {@code POST /v1/messages} (else
 *                      null): an Anthropic provider is sent it nearly verbatim instead of {@code body} translated back
 */
public record ChatRequest(ObjectNode body, String chain, String requestId, String sessionId, List<String> droppedFields,
        String route, ObjectNode anthropic) {

    public ChatRequest {
        droppedFields = droppedFields == null ? List.of() : List.copyOf(droppedFields);
        route = route == null ? "default" : route;
    }

    public ChatRequest(ObjectNode body, String chain, String requestId, String sessionId, List<String> droppedFields,
            String route) {
        this(body, chain, requestId, sessionId, droppedFields, route, null);
    }

    public ChatRequest(ObjectNode body, String chain, String requestId, String sessionId, List<String> droppedFields) {
        this(body, chain, requestId, sessionId, droppedFields, null);
    }

    /** The x-gateway-route header: {@code chain=claude; model=claude-sonnet-4-6}. */
    public String routeHeader() {
        return "chain=" + chain + "; " + route;
    }

    /** The same request under another id (a Kafka record's request id comes from its key or header). */
    public ChatRequest withRequestId(String id) {
        return new ChatRequest(body, chain, id, sessionId, droppedFields, route, anthropic);
    }

    /** The same request carrying the client's Anthropic Messages body (see {@code anthropic}). */
    public ChatRequest withAnthropic(ObjectNode anthropicBody) {
        return new ChatRequest(body, chain, requestId, sessionId, droppedFields, route, anthropicBody);
    }

    public ChatRequest(ObjectNode body, String chain, String requestId, String sessionId) {
        this(body, chain, requestId, sessionId, List.of());
    }

    public ArrayNode messages() {
        return (ArrayNode) body.get("messages");
    }

    /** The client asked for Server-Sent Events. */
    public boolean stream() {
        return body.path("stream").asBoolean(false);
    }

    /** The client asked for a usage chunk at the end of its stream. */
    public boolean includeUsage() {
        return body.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** Choices asked for ({@code n}). */
    public int choices() {
        return body.path("n").asInt(1);
    }

    /** max_tokens or max_completion_tokens from the client, else the provider's default. */
    public int maxTokens(int providerDefault) {
        if (body.hasNonNull("max_completion_tokens")) {
            return body.get("max_completion_tokens").asInt();
        }
        if (body.hasNonNull("max_tokens")) {
            return body.get("max_tokens").asInt();
        }
        return providerDefault;
    }
}

package dev.aigateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.stream.SseDialect;

/**
 * One client-facing API served over the chat chains (OpenAI chat completions, Anthropic Messages, OpenAI
 * Responses). The chains speak OpenAI chat only; an API translates its client's request into that shape and
 * the chain's answer, errors and stream events back. Chosen per route: the exchange property
 * {@value #PROPERTY} (routes/http-ingress.yaml), default {@link ChatCompletionsApi#NAME}.
 */
public interface ClientApi {
    /** Exchange property naming the API of an HTTP route. */
    String PROPERTY = "gatewayClientApi";
    /** Exchange property: the API itself, once the request is read (idempotent replays answer in its shape). */
    String INSTANCE = "gatewayClientApiInstance";

    /** The name a route sets in {@value #PROPERTY}; also the tag of the {@code /v1/models} endpoints list. */
    String name();

    /**
     * The OpenAI chat request the chains run, from this API's request body; what it cannot serve is a 400
     * {@code GatewayException} naming the field (never silently dropped).
     *
     * @param in the HTTP request (headers such as anthropic-version)
     */
    JsonNode toChatRequest(JsonNode body, Message in);

    /**
     * The parsed request, with what of the client's own body the API keeps for its providers (Anthropic
     * Messages: the body itself, sent nearly verbatim to Anthropic providers). By default nothing.
     */
    default ChatRequest carry(ChatRequest parsed, JsonNode clientBody) {
        return parsed;
    }

    /**
     * This API's whole answer, from the OpenAI chat completion the chain produced (its {@code gateway}
     * object included: keep it, clients and tests read provider, cost and attempts there).
     */
    ObjectNode fromCompletion(ObjectNode completion, ChatRequest request);

    /** This API's error body, from the gateway's OpenAI-style one ({@code {"error": {...}}}). */
    ObjectNode error(ObjectNode openAiError, int status);

    /** The event writer of one {@code stream: true} answer. */
    SseDialect sse(ChatRequest request);
}

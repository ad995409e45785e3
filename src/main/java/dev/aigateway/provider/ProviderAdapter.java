package dev.aigateway.provider;

import java.io.IOException;
import java.util.Map;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;

/**
 * One provider API's wire format. Narrow on purpose: build the request, parse the answer (whole or streamed), read
 * an error body. Which errors fall back is decided once, in {@link UpstreamErrors}, from what this reads.
 */
public interface ProviderAdapter {

    /** Path appended to the provider's base URL for a chat call. */
    String chatPath();

    /**
     * Path for a chat call that names the model or the streaming in the URL (Gemini {@code :streamGenerateContent},
     * Bedrock {@code /model/<id>/converse-stream}); {@link #chatPath()} by default.
     */
    default String chatPath(ProviderSettings settings, boolean stream) {
        return chatPath();
    }

    /** Path appended to the base URL for a cheap liveness probe ("completion": a 1-token chat call instead). */
    String modelsPath();

    /** Authentication and version headers; {@code apiKey} may be null (keyless local servers). */
    Map<String, String> headers(String apiKey);

    /** The provider's request body; {@code stream} asks for Server-Sent Events (with usage, where the API needs asking). */
    byte[] buildRequest(ChatRequest request, ProviderSettings settings, boolean stream) throws IOException;

    ChatResult parseResponse(byte[] body, ProviderSettings settings, long latencyMs) throws IOException;

    /** A reader for one streamed answer ({@code buildRequest(..., true)}). */
    StreamParser streamParser(ProviderSettings settings);

    /** How a streamed answer is framed: Server-Sent Events, or Bedrock's binary AWS event stream. */
    default StreamFraming streamFraming() {
        return StreamFraming.SSE;
    }

    /**
     * Headers that sign the finished request, added after {@link #headers}: AWS SigV4 covers the method, the URL
     * (with the host camel-http sends) and the exact body bytes. None by default.
     *
     * @param body the bytes sent (empty for a GET)
     */
    default Map<String, String> sign(String method, String url, byte[] body, KeySource credential) {
        return Map.of();
    }

    /** The vendor's error body, read into the fields the gateway reports. Never throws. */
    UpstreamError readError(int status, Map<String, Object> headers, byte[] body);

    /**
     * The URL of this API's embeddings endpoint, or null when the API has none (then no embeddings chain may name
     * the provider). {@code embeddingModel}: provider.&lt;name&gt;.embedding-model.
     */
    default String embeddingsUrl(String baseUrl, String embeddingModel) {
        return null;
    }

    /**
     * The embeddings request body (OpenAI's wire): the client's input, dimensions and user with the provider's
     * embedding model; vectors always asked as floats (the gateway checks their length and encodes base64 itself).
     */
    default byte[] buildEmbeddingsRequest(com.fasterxml.jackson.databind.node.ObjectNode clientBody, String embeddingModel)
            throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode body = clientBody.deepCopy();
        body.retain("input", "dimensions", "user");
        body.put("model", embeddingModel);
        body.put("encoding_format", "float");
        return dev.aigateway.api.Json.MAPPER.writeValueAsBytes(body);
    }
}

package dev.aigateway.embeddings;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/**
 * Reads a provider's embeddings answer into the client's: one vector per input, each exactly the length the
 * request expects (its {@code dimensions}, else the chain's embedding-dimensions). Any other answer is the
 * provider's failure, and the chain falls back: a vector of the wrong length is never served. Vectors go out as
 * the client asked: float arrays, or base64 of little-endian float32 (what OpenAI sends and its SDKs decode).
 */
public final class EmbeddingAnswers {
    private EmbeddingAnswers() {
    }

    /** The answer is not one the client may get; {@code outcome} names why (the attempt's outcome). */
    public static final class Unusable extends Exception {
        private final String outcome;

        Unusable(String outcome, String message) {
            super(message, null, false, false);
            this.outcome = outcome;
        }

        public String outcome() {
            return outcome;
        }
    }

    /**
     * @param request the client's request (body: input, dimensions, encoding_format, user)
     * @return the client's answer as a result: provider, its model, the list body, tokens and cost
     */
    public static ChatResult read(byte[] raw, EmbeddingSettings settings, ChatRequest request, long latencyMs)
            throws Unusable {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(raw);
        } catch (java.io.IOException e) {
            throw new Unusable("bad_response", "unreadable answer: " + e.getMessage());
        }
        if (root == null || !(root.get("data") instanceof ArrayNode data)) {
            throw new Unusable("bad_response", "the answer has no data array");
        }
        ObjectNode body = request.body();
        int expected = body.hasNonNull("dimensions") ? body.get("dimensions").asInt() : settings.dimensions();
        int inputs = EmbeddingRequests.inputs(body);
        if (data.size() != inputs) {
            throw new Unusable("bad_response", "answered " + data.size() + " vectors for " + inputs + " inputs");
        }
        boolean base64 = EmbeddingRequests.base64(body);
        ObjectNode out = Json.object().put("object", "list");
        ArrayNode vectors = out.putArray("data");
        float[][] byIndex = new float[inputs][];
        for (JsonNode item : data) {
            int index = item.path("index").asInt(-1);
            if (index < 0 || index >= inputs || byIndex[index] != null) {
                throw new Unusable("bad_response", "vector index " + item.path("index") + " is missing, repeated or out of range");
            }
            float[] v = vector(item.get("embedding"));
            if (v.length != expected) {
                throw new Unusable("wrong_dimensions", "vector " + index + " has " + v.length + " dimensions; the chain "
                        + "serves " + expected + (body.hasNonNull("dimensions") ? " (the request's dimensions)"
                                : " (provider." + settings.name() + ".embedding-dimensions)"));
            }
            byIndex[index] = v;
        }
        for (int i = 0; i < inputs; i++) {
            ObjectNode item = vectors.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                item.put("embedding", encode(byIndex[i]));
            } else {
                ArrayNode floats = item.putArray("embedding");
                for (float f : byIndex[i]) {
                    floats.add(f);
                }
            }
        }
        String model = root.path("model").isTextual() ? root.get("model").asText() : settings.model();
        out.put("model", model);
        JsonNode usage = root.path("usage");
        long prompt = usage.path("prompt_tokens").asLong(usage.path("total_tokens").asLong(0));
        if (prompt <= 0) {
            prompt = EmbeddingRequests.estimatedTokens(body); // a provider that reports no usage is still charged
        }
        out.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        return new ChatResult(settings.name(), model, out, prompt, 0, settings.cost(prompt), null, latencyMs);
    }

    /** A vector as floats: from a JSON number array, or from base64 little-endian float32 (some providers send it). */
    static float[] vector(JsonNode embedding) throws Unusable {
        if (embedding != null && embedding.isArray()) {
            float[] v = new float[embedding.size()];
            for (int i = 0; i < v.length; i++) {
                JsonNode n = embedding.get(i);
                if (!n.isNumber()) {
                    throw new Unusable("bad_response", "a vector holds a non-number: " + n);
                }
                v[i] = n.floatValue();
            }
            return v;
        }
        if (embedding != null && embedding.isTextual()) {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(embedding.asText());
            } catch (IllegalArgumentException e) {
                throw new Unusable("bad_response", "a vector is neither numbers nor base64");
            }
            if (bytes.length % 4 != 0) {
                throw new Unusable("bad_response", "a base64 vector is not a whole number of float32 values");
            }
            float[] v = new float[bytes.length / 4];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return v;
        }
        throw new Unusable("bad_response", "an item has no embedding");
    }

    /** Little-endian float32, base64: OpenAI's encoding_format=base64. */
    public static String encode(float[] v) {
        ByteBuffer buffer = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(v);
        return Base64.getEncoder().encodeToString(buffer.array());
    }
}

package dev.aigateway.provider;

import java.io.IOException;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/**
 * OpenAI Chat Completions, and every vendor that speaks it: OpenAI, DeepSeek, HolySheep, Gemini's
 * OpenAI endpoint, Ollama, vLLM. The request passes through with the provider's model set.
 */
public class OpenAiCompatibleAdapter implements ProviderAdapter {
    /**
     * The request fields an OpenAI-compatible API is sent (OpenAI's chat-completions parameters the official
     * SDKs send); nothing else of a client's body leaves the gateway. {@code service_tier} goes out only as
     * auto/default and {@code modalities} only as text: RequestParser refuses the priced variants.
     */
    public static final Set<String> FORWARDED_FIELDS = Set.of("messages", "model", "stream", "stream_options",
            "temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "stop", "presence_penalty",
            "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "user", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "functions", "function_call", "metadata", "store",
            "reasoning_effort", "service_tier", "modalities", "verbosity", "safety_identifier", "prompt_cache_key");

    /** The fields {@link #buildRequest} keeps of the client's body. */
    public Set<String> forwardedFields() {
        return FORWARDED_FIELDS;
    }

    @Override
    public String chatPath() {
        return "/chat/completions";
    }

    @Override
    public String modelsPath() {
        return "/models";
    }

    @Override
    public String embeddingsUrl(String baseUrl, String embeddingModel) {
        return baseUrl + "/embeddings";
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
    }

    @Override
    public byte[] buildRequest(ChatRequest request, ProviderSettings settings, boolean stream) throws IOException {
        ObjectNode body = request.body().deepCopy();
        body.retain(forwardedFields()); // the parser refused (or dropped) the rest; this API may take fewer
        body.put("model", settings.model());
        if (!body.has("max_tokens") && !body.has("max_completion_tokens")) {
            body.put("max_tokens", settings.maxTokens());
        }
        body.put("stream", stream);
        if (stream) {
            // replaced, not merged: vendors that reject unknown fields (Gemini) must not see client extras
            body.set("stream_options", Json.object().put("include_usage", true));
        } else {
            body.remove("stream_options");
        }
        return Json.MAPPER.writeValueAsBytes(body);
    }

    @Override
    public ChatResult parseResponse(byte[] body, ProviderSettings settings, long latencyMs) throws IOException {
        JsonNode root = Json.MAPPER.readTree(body);
        if (!(root instanceof ObjectNode completion) || !(root.get("choices") instanceof ArrayNode choices)
                || choices.isEmpty()) {
            throw new IOException("response has no choices");
        }
        if (!completion.hasNonNull("model")) {
            completion.put("model", settings.model());
        }
        JsonNode usage = completion.path("usage");
        long prompt = usage.path("prompt_tokens").asLong(0);
        long completionTokens = completionTokens(usage);
        String finish = choices.get(0).path("finish_reason").asText(null);
        return new ChatResult(settings.name(), completion.get("model").asText(), completion, prompt, completionTokens,
                settings.cost(prompt, completionTokens), finish, latencyMs);
    }

    @Override
    public StreamParser streamParser(ProviderSettings settings) {
        return new OpenAiStreamParser();
    }

    /** Gemini counts thinking tokens only in total_tokens; they are billed as output. */
    static long completionTokens(JsonNode usage) {
        return Math.max(usage.path("completion_tokens").asLong(0),
                usage.path("total_tokens").asLong(0) - usage.path("prompt_tokens").asLong(0));
    }

    @Override
    public UpstreamError readError(int status, Map<String, Object> headers, byte[] body) {
        JsonNode error = UpstreamErrors.errorNode(body);
        String message = UpstreamErrors.text(error, "message");
        String code = UpstreamErrors.text(error, "code");
        String type = UpstreamErrors.text(error, "type");
        if (type == null) {
            type = UpstreamErrors.text(error, "status"); // Google's error shape
        }
        if (error != null && error.has("details")) {
            for (JsonNode d : error.get("details")) {
                if (d.hasNonNull("reason")) {
                    code = d.get("reason").asText();
                }
            }
        }
        return new UpstreamError(status, type, code, UpstreamErrors.text(error, "param"),
                message != null ? message : UpstreamErrors.snippet(body), UpstreamErrors.retryAfterMs(headers));
    }
}

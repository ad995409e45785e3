package dev.aigateway.provider;

import java.util.Map;
import java.util.Set;

/**
 * Azure OpenAI, deployment form: base URL {@code https://<resource>.openai.azure.com/openai/deployments/<deployment>},
 * the model chosen by the deployment, the key in an {@code api-key} header (Azure refuses it as a Bearer
 * token), {@code api-version} on every call. Bodies, streams and errors are OpenAI's.
 */
public class AzureOpenAiAdapter extends OpenAiCompatibleAdapter {
    /** The GA version of the deployment API the fixtures come from. */
    static final String API_VERSION = "2024-10-21";
    /**
     * What API version 2024-10-21 takes: OpenAI's fields without the newer store, metadata, reasoning_effort,
     * service_tier, modalities, verbosity, safety_identifier and prompt_cache_key (Azure would refuse them,
     * and a fallback provider should answer rather than fail on a field it cannot honour).
     */
    public static final Set<String> FORWARDED_FIELDS = Set.of("messages", "model", "stream", "stream_options",
            "temperature", "top_p", "max_tokens", "max_completion_tokens", "n", "stop", "presence_penalty",
            "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed", "user", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "functions", "function_call");

    @Override
    public Set<String> forwardedFields() {
        return FORWARDED_FIELDS;
    }

    @Override
    public String chatPath() {
        return "/chat/completions?api-version=" + API_VERSION;
    }

    @Override
    public String modelsPath() {
        // a deployment has no models list: probe it with provider.<name>.health-path=completion
        return "/models?api-version=" + API_VERSION;
    }

    /**
     * An Azure deployment serves one model: embeddings go to the deployment named by embedding-model, beside the
     * chat deployment of the base URL ({@code .../openai/deployments/<embedding-model>/embeddings}).
     */
    @Override
    public String embeddingsUrl(String baseUrl, String embeddingModel) {
        int at = baseUrl.lastIndexOf("/deployments/");
        String deployment = at < 0 ? baseUrl : baseUrl.substring(0, at) + "/deployments/" + embeddingModel;
        return deployment + "/embeddings?api-version=" + API_VERSION;
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of() : Map.of("api-key", apiKey);
    }
}

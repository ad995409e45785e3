package dev.aigateway.provider;

import java.util.Map;

/**
 * Azure OpenAI, deployment form: base URL {@code https://<resource>.openai.azure.com/openai/deployments/<deployment>},
 * the model chosen by the deployment, the key in an {@code api-key} header (Azure refuses it as a Bearer
 * token), {@code api-version} on every call. Bodies, streams and errors are OpenAI's.
 */
public class AzureOpenAiAdapter extends OpenAiCompatibleAdapter {
    /** The GA version of the deployment API the fixtures come from. */
    static final String API_VERSION = "2024-10-21";

    @Override
    public String chatPath() {
        return "/chat/completions?api-version=" + API_VERSION;
    }

    @Override
    public String modelsPath() {
        // a deployment has no models list: probe it with provider.<name>.health-path=completion
        return "/models?api-version=" + API_VERSION;
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of() : Map.of("api-key", apiKey);
    }
}

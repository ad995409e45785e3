package dev.aigateway.provider;

/**
 * A configured provider at run time: its settings, the adapter for its API, its credential and the base
 * URL actually called (the vendor's, or the embedded simulator's in the offline demo). {@code disabled}
 * says why the provider is left out of every chain (e.g. {@code no key}); null when it serves.
 */
public record Provider(ProviderSettings settings, ProviderAdapter adapter, KeySource credential, String baseUrl,
        boolean simulated, String disabled) {

    public Provider(ProviderSettings settings, ProviderAdapter adapter, KeySource credential, String baseUrl,
            boolean simulated) {
        this(settings, adapter, credential, baseUrl, simulated, null);
    }

    public String name() {
        return settings.name();
    }

    public String chatUrl() {
        return chatUrl(false);
    }

    /** The chat URL for a whole ({@code stream} false) or streamed answer (they differ for Gemini and Bedrock). */
    public String chatUrl(boolean stream) {
        return baseUrl + adapter.chatPath(settings, stream);
    }

    /** True when the provider is left out of every chain (its route refuses at once, without a call). */
    public boolean isDisabled() {
        return disabled != null;
    }
}

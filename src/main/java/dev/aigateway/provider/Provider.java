package dev.aigateway.provider;

/**
 * A configured provider at run time: its settings, the adapter for its API, its credential and the base
 * URL actually called (the vendor's, or the embedded simulator's when it has no key).
 */
public record Provider(ProviderSettings settings, ProviderAdapter adapter, KeySource credential, String baseUrl,
        boolean simulated) {

    public String name() {
        return settings.name();
    }

    public String chatUrl() {
        return baseUrl + adapter.chatPath();
    }
}

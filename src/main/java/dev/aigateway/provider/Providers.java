package dev.aigateway.provider;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every configured provider by name, in the order of {@code gateway.providers}. */
public final class Providers {
    private final Map<String, Provider> byName = new LinkedHashMap<>();

    public void add(Provider provider) {
        byName.put(provider.name(), provider);
    }

    public Provider get(String name) {
        Provider p = byName.get(name);
        if (p == null) {
            throw new IllegalArgumentException("Unknown provider '" + name + "'; configured: " + byName.keySet()
                    + " (gateway.providers)");
        }
        return p;
    }

    public Collection<Provider> all() {
        return byName.values();
    }

    /** True when answers may come from the embedded simulator (gateway.simulator.mode on, or the offline demo). */
    public boolean anySimulated() {
        return byName.values().stream().anyMatch(Provider::simulated);
    }

    /** The adapter class for an API name ({@code provider.<name>.api}). */
    public static ProviderAdapter adapterFor(String api) {
        return switch (api) {
            case "openai" -> new OpenAiCompatibleAdapter();
            case "anthropic" -> new AnthropicAdapter();
            case "azure" -> new AzureOpenAiAdapter();
            default -> throw new IllegalArgumentException("Unknown provider api '" + api + "' (openai | anthropic | azure)");
        };
    }
}

package dev.aigateway.provider;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every configured provider by name, in the order of {@code gateway.providers}. */
public final class Providers {
    private final Map<String, Provider> byName = new LinkedHashMap<>();
    /** provider name -> its deployments (provider.<p>.deployments; one named after it when unset). */
    private final Map<String, java.util.List<String>> deployments = new LinkedHashMap<>();
    /** deployment name (openai.us, or openai) -> provider.<p>.deployment.<d>.weight (default 1). */
    private final Map<String, Integer> weights = new LinkedHashMap<>();

    /** deployment name -> provider.<p>.deployment.<d>.region (null when unset). */
    private final Map<String, String> regions = new LinkedHashMap<>();

    /** Records that {@code deployment} (already added as a Provider) belongs to {@code provider}. */
    public void deployment(String provider, String deployment, int weight, String region) {
        deployments.computeIfAbsent(provider, k -> new java.util.ArrayList<>()).add(deployment);
        weights.put(deployment, weight);
        if (region != null) {
            regions.put(deployment, region);
        }
    }

    /** The configured region of a deployment (informational: /admin/providers), or null. */
    public String region(String deployment) {
        return regions.get(deployment);
    }

    /**
     * The deployments a tier entry names: "openai" = all of openai's deployments, "openai.us" = that one.
     * Empty when the name is neither.
     */
    public java.util.List<String> deploymentsOf(String name) {
        if (deployments.containsKey(name)) {
            return java.util.List.copyOf(deployments.get(name));
        }
        return weights.containsKey(name) ? java.util.List.of(name) : java.util.List.of();
    }

    public int weight(String deployment) {
        return weights.getOrDefault(deployment, 1);
    }

    /** Every name a chain may use: provider names and deployment names. */
    public java.util.Set<String> routableNames() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(deployments.keySet());
        names.addAll(weights.keySet());
        return names;
    }

    /** The provider a deployment belongs to: openai.us -> openai; a provider without deployments is its own. */
    public static String providerOf(String deployment) {
        int dot = deployment.indexOf('.');
        return dot < 0 ? deployment : deployment.substring(0, dot);
    }

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
            case "gemini" -> new GeminiAdapter();
            default -> throw new IllegalArgumentException("Unknown provider api '" + api
                    + "' (openai | anthropic | azure | gemini | bedrock)");
        };
    }

    /**
     * The adapter for a provider or deployment: Bedrock's signs for its region ({@code provider.<name>.region},
     * read through {@code property}, which resolves a deployment's own key first).
     */
    public static ProviderAdapter adapterFor(ProviderSettings settings, java.util.function.Function<String, String> property) {
        if ("bedrock".equals(settings.api())) {
            return new BedrockAdapter(ProviderSettings.region(settings.name(), property));
        }
        return adapterFor(settings.api());
    }
}

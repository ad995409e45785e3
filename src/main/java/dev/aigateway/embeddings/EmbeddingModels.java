package dev.aigateway.embeddings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import dev.aigateway.config.SettingException;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;

/**
 * The embedding settings of every configured provider and deployment, and the rule that keeps vector spaces
 * apart: an embeddings chain may only name providers that serve embeddings, all of the same
 * {@code embedding-dimensions}. Falling back from a 1536-dimension model to a 3072-dimension one would hand the
 * client vectors its index cannot compare: silent data corruption, so such a chain is refused at load.
 */
public final class EmbeddingModels {
    private final Map<String, EmbeddingSettings> byName = new LinkedHashMap<>();
    private final Providers providers;

    public EmbeddingModels(Providers providers, Function<String, String> property) {
        this.providers = providers;
        for (Provider p : providers.all()) {
            byName.put(p.name(), EmbeddingSettings.read(p.name(), property));
        }
    }

    /** The settings of a provider or deployment (one that serves none: {@link EmbeddingSettings#serves()} false). */
    public EmbeddingSettings of(String name) {
        EmbeddingSettings s = byName.get(name);
        if (s == null) {
            throw new IllegalArgumentException("Unknown provider '" + name + "'");
        }
        return s;
    }

    /**
     * Refuses an embeddings chain whose deployments do not all serve embeddings of one dimension.
     *
     * @return the chain's dimension (0 when it names no provider)
     * @throws SettingException one line naming the chain, the providers and their dimensions
     */
    public int checkChain(String chain, List<String> deployments) {
        Map<String, String> shown = new LinkedHashMap<>();
        java.util.Set<Integer> dims = new java.util.TreeSet<>();
        for (String d : deployments) {
            EmbeddingSettings s = of(d);
            Provider p = providers.get(d);
            if (!s.serves()) {
                throw new SettingException("embeddings chain '" + chain + "' names provider " + d + ", which serves no "
                        + "embeddings (provider." + Providers.providerOf(d) + ".embedding-model is empty)");
            }
            if (p.adapter().embeddingsUrl(p.baseUrl(), s.model()) == null) {
                throw new SettingException("embeddings chain '" + chain + "' names provider " + d + ", whose API ("
                        + p.settings().api() + ") has no embeddings endpoint");
            }
            shown.put(d, d + "=" + s.dimensions() + " (" + s.model() + ")");
            dims.add(s.dimensions());
        }
        if (dims.size() > 1) {
            throw new SettingException("embeddings chain '" + chain + "' mixes embedding dimensions "
                    + String.join(", ", shown.values()) + ": a fallback between vector spaces would corrupt the "
                    + "client's index; give every provider of the chain the same provider.<name>.embedding-dimensions");
        }
        return dims.isEmpty() ? 0 : dims.iterator().next();
    }
}

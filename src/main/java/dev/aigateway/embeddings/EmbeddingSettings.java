package dev.aigateway.embeddings;

import java.util.function.Function;

import dev.aigateway.config.Settings;

/**
 * What a provider (or deployment) serves on {@code POST /v1/embeddings}: {@code provider.<name>.embedding-model}
 * (empty: no embeddings), {@code embedding-dimensions} (the length of every vector it returns; a chain may only
 * fall back between providers of the same dimensions) and {@code embedding-price-per-mtok}. A deployment
 * ({@code openai.eu}) reads {@code provider.openai.deployment.eu.<key>} first, like its other settings.
 */
public record EmbeddingSettings(String name, String model, int dimensions, double pricePerMTok) {

    /** True when the provider serves embeddings (it has an embedding model). */
    public boolean serves() {
        return model != null;
    }

    /** USD for {@code tokens} input tokens. */
    public double cost(long tokens) {
        return tokens * pricePerMTok / 1_000_000d;
    }

    /** Reads the settings of {@code name}, a provider ({@code openai}) or one of its deployments ({@code openai.eu}). */
    public static EmbeddingSettings read(String name, Function<String, String> property) {
        int dot = name.indexOf('.');
        String provider = dot < 0 ? name : name.substring(0, dot);
        String own = dot < 0 ? null : "provider." + provider + ".deployment." + name.substring(dot + 1) + ".";
        // errors name the key actually read
        Function<String, String> keyOf = key -> own != null && blank(property.apply(own + key)) != null ? own + key
                : "provider." + provider + "." + key;
        Settings s = new Settings(property);
        String model = blank(property.apply(keyOf.apply("embedding-model")));
        if (model == null) {
            return new EmbeddingSettings(name, null, 0, 0);
        }
        if (blank(property.apply(keyOf.apply("embedding-dimensions"))) == null) {
            throw new dev.aigateway.config.SettingException(keyOf.apply("embedding-dimensions") + " is required when "
                    + keyOf.apply("embedding-model") + " is set (" + model + "): the length of its vectors");
        }
        int dimensions = s.integer(keyOf.apply("embedding-dimensions"), 1, 65_536);
        String priceKey = keyOf.apply("embedding-price-per-mtok");
        double price = blank(property.apply(priceKey)) == null ? 0
                : s.number(priceKey, "a number of USD, 0 or more", v -> v >= 0);
        return new EmbeddingSettings(name, model, dimensions, price);
    }

    private static String blank(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }
}

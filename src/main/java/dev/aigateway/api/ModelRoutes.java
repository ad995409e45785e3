package dev.aigateway.api;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Which chain a request's {@code model} selects. The aliases come from each chain file's {@code models} template
 * parameter (hot-reloaded with the chain, see LiveChains); {@value #AUTO} and a missing model go to
 * gateway.default-chain. An unknown model is refused (gateway.models.unknown=reject) or goes to the default chain.
 */
public final class ModelRoutes {
    /** The model name that lets the gateway choose; reserved: no chain file may declare it. */
    public static final String AUTO = "auto";

    /** A chain and why it was chosen (the x-gateway-route header and the reply's "route" field). */
    public record Route(String chain, String reason) {
    }

    private final Supplier<Map<String, String>> aliases;
    private final String defaultChain;
    private final boolean unknownToDefault;
    /** The chains model auto chooses between (gateway.auto.*): /v1/models lists them instead of one chain. */
    private java.util.List<String> autoChains = java.util.List.of();
    private java.util.function.Predicate<String> servesEmbeddings = chain -> false;
    /** Adds what a model's chains serve to its /v1/models entry (endpoints, context_window; LiveChains.describe). */
    private java.util.function.BiConsumer<java.util.List<String>, com.fasterxml.jackson.databind.node.ObjectNode> describer =
            (chains, entry) -> { };

    /**
     * @param aliases      model alias -> chain, as loaded now
     * @param unknownModels gateway.models.unknown: reject | default
     */
    public ModelRoutes(Supplier<Map<String, String>> aliases, String defaultChain, String unknownModels) {
        if (!"reject".equals(unknownModels) && !"default".equals(unknownModels)) {
            throw new IllegalStateException("gateway.models.unknown must be reject or default; got '" + unknownModels + "'");
        }
        this.aliases = aliases;
        this.defaultChain = defaultChain;
        this.unknownToDefault = "default".equals(unknownModels);
    }

    /** Lists {@code chains} for {@value #AUTO} in /v1/models (the chains AutoRoutes chooses between). */
    public ModelRoutes autoChains(String... chains) {
        this.autoChains = java.util.List.of(chains);
        return this;
    }

    /** Which chains serve embeddings (LiveChains.servesEmbeddings): a model_not_found lists the endpoint's own models. */
    public ModelRoutes embeddingsChains(java.util.function.Predicate<String> servesEmbeddings) {
        this.servesEmbeddings = servesEmbeddings;
        return this;
    }

    /**
     * The embeddings chain {@code model} selects, or 400 model_not_found listing the embeddings models (an unknown
     * model never goes to the default chain: that is a chat chain).
     */
    public Route routeEmbeddings(String model) {
        String chain = aliases.get().get(model);
        if (chain != null) {
            return new Route(chain, "model=" + model);
        }
        throw notFound(model, true);
    }

    /** Lets /v1/models describe each model by its chains: {@code describer(chains, entry)} adds fields to the entry. */
    public ModelRoutes describedBy(
            java.util.function.BiConsumer<java.util.List<String>, com.fasterxml.jackson.databind.node.ObjectNode> describer) {
        this.describer = describer;
        return this;
    }

    /** The chain {@code model} (null when the request has none) selects, or 400 model_not_found. */
    public Route route(String model) {
        if (model == null || model.isBlank()) {
            return new Route(defaultChain, "default");
        }
        if (AUTO.equals(model)) {
            // the gateway lets AutoRoutes choose for auto (RequestParser.auto) before asking here; without it: the default chain
            return new Route(defaultChain, "model=" + AUTO);
        }
        String chain = aliases.get().get(model);
        if (chain != null) {
            return new Route(chain, "model=" + model);
        }
        if (unknownToDefault) {
            return new Route(defaultChain, "default");
        }
        throw notFound(model, false);
    }

    private GatewayException notFound(String model, boolean embeddings) {
        String shown = model.length() > 64 ? model.substring(0, 64) + "..." : model;
        java.util.List<String> valid = listing().entrySet().stream()
                .filter(e -> servesEmbeddings.test(e.getValue()) == embeddings).map(Map.Entry::getKey).toList();
        return new GatewayException(400, "invalid_request_error", "model_not_found", "model",
                "The model '" + shown + "' does not exist on this gateway; valid " + (embeddings ? "embeddings " : "")
                        + "models: " + String.join(", ", valid));
    }

    /** The OpenAI model list (GET /v1/models): one entry per alias, each with the chain it selects. */
    public com.fasterxml.jackson.databind.node.ObjectNode modelList() {
        com.fasterxml.jackson.databind.node.ObjectNode body = Json.object().put("object", "list");
        var data = body.putArray("data");
        listing().forEach((alias, chain) -> {
            com.fasterxml.jackson.databind.node.ObjectNode m = data.addObject().put("id", alias).put("object", "model")
                    .put("created", 0).put("owned_by", "ai-failover-gateway");
            if (AUTO.equals(alias) && !autoChains.isEmpty()) {
                autoChains.forEach(m.putArray("chains")::add); // auto chooses per request (AutoRoutes)
                describer.accept(autoChains, m);
            } else {
                m.put("chain", chain);
                describer.accept(java.util.List.of(chain), m);
            }
        });
        return body;
    }

    /** Every model a client may ask for, sorted, with the chain it selects ({@value #AUTO} included). */
    public Map<String, String> listing() {
        Map<String, String> all = new TreeMap<>(aliases.get());
        all.put(AUTO, defaultChain);
        return all;
    }
}

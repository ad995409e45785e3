package dev.aigateway.auth;

import java.util.List;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.RequestParser;
import dev.aigateway.request.GatewayRequest;

/**
 * One client key of the gateway, as kept in the keys file: never the key itself, only its SHA-256.
 *
 * @param chains           chains the key may select; empty: all
 * @param models           provider models the key may be answered by; empty: all
 * @param rpm              requests per minute; 0: no limit
 * @param monthlyBudgetUsd spend per calendar month (UTC); 0: no limit
 * @param maxTokensLimit   largest max_tokens / max_completion_tokens this key may ask for; 0: gateway.max-tokens-limit
 * @param maxN             largest n this key may ask for; 0: gateway.max-n
 */
public record GatewayKey(String id, String owner, String sha256, List<String> chains, List<String> models, int rpm,
        double monthlyBudgetUsd, boolean revoked, String created, int maxTokensLimit, int maxN)
        implements GatewayRequest.Key {

    public GatewayKey {
        chains = chains == null ? List.of() : List.copyOf(chains);
        models = models == null ? List.of() : List.copyOf(models);
    }

    /** A key without limits of its own on max_tokens and n (the gateway's apply). */
    public GatewayKey(String id, String owner, String sha256, List<String> chains, List<String> models, int rpm,
            double monthlyBudgetUsd, boolean revoked, String created) {
        this(id, owner, sha256, chains, models, rpm, monthlyBudgetUsd, revoked, created, 0, 0);
    }

    public boolean allowsChain(String chain) {
        return chains.isEmpty() || chains.contains(chain);
    }

    @Override
    public boolean allowsModel(String model) {
        return models.isEmpty() || models.contains(model);
    }

    /** The key's own max_tokens / n limits (they only lower the gateway's): a 400 naming the field above them. */
    public void checkLimits(ChatRequest request) {
        String why = "this API key's limit (" + id + ")";
        for (String field : new String[] { "max_tokens", "max_completion_tokens" }) {
            RequestParser.atMost(request.body(), field, maxTokensLimit, why);
        }
        RequestParser.atMost(request.body(), "n", maxN, why);
    }

    public GatewayKey revoke() {
        return new GatewayKey(id, owner, sha256, chains, models, rpm, monthlyBudgetUsd, true, created, maxTokensLimit, maxN);
    }
}

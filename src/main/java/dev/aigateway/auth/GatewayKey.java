package dev.aigateway.auth;

import java.util.List;

/**
 * One client key of the gateway, as kept in the keys file: never the key itself, only its SHA-256.
 *
 * @param chains           chains the key may select; empty: all
 * @param models           provider models the key may be answered by; empty: all
 * @param rpm              requests per minute; 0: no limit
 * @param monthlyBudgetUsd spend per calendar month (UTC); 0: no limit
 */
public record GatewayKey(String id, String owner, String sha256, List<String> chains, List<String> models, int rpm,
        double monthlyBudgetUsd, boolean revoked, String created) {

    public GatewayKey {
        chains = chains == null ? List.of() : List.copyOf(chains);
        models = models == null ? List.of() : List.copyOf(models);
    }

    public boolean allowsChain(String chain) {
        return chains.isEmpty() || chains.contains(chain);
    }

    public boolean allowsModel(String model) {
        return models.isEmpty() || models.contains(model);
    }

    public GatewayKey revoke() {
        return new GatewayKey(id, owner, sha256, chains, models, rpm, monthlyBudgetUsd, true, created);
    }
}

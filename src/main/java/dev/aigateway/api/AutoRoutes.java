package dev.aigateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The chain {@code model: auto} selects: the first rule that holds, in this order.
 * <ol>
 * <li>the key has spent gateway.auth.budget-step-down of its monthly budget: budget chain, {@code budget-step-down}</li>
 * <li>the request has {@code tools} (or {@code functions}): premium chain, {@code auto:tools}</li>
 * <li>a message has an {@code image_url} part: premium chain, {@code auto:images}</li>
 * <li>the prompt is more than gateway.auto.premium-over-tokens tokens ({@link PromptTokens}): premium chain,
 * {@code auto:tokens>N}</li>
 * <li>else: budget chain, {@code auto:short}</li>
 * </ol>
 * ({@code require_expensive_model: true} names the premium chain outright, before the model is looked at.)
 */
public final class AutoRoutes {
    private final String premiumChain;
    private final String budgetChain;
    private final int premiumOverTokens;

    /**
     * @param premiumChain      gateway.auto.premium-chain
     * @param budgetChain       gateway.auto.budget-chain
     * @param premiumOverTokens gateway.auto.premium-over-tokens: a longer prompt goes to the premium chain
     */
    public AutoRoutes(String premiumChain, String budgetChain, int premiumOverTokens) {
        this.premiumChain = premiumChain;
        this.budgetChain = budgetChain;
        this.premiumOverTokens = premiumOverTokens;
    }

    /**
     * @param body      the validated request body
     * @param stepDown  the caller's key is past gateway.auth.budget-step-down of its monthly budget
     */
    public ModelRoutes.Route choose(ObjectNode body, boolean stepDown) {
        if (stepDown) {
            return new ModelRoutes.Route(budgetChain, "budget-step-down");
        }
        if (nonEmpty(body.get("tools")) || nonEmpty(body.get("functions"))) {
            return new ModelRoutes.Route(premiumChain, "auto:tools");
        }
        if (hasImage(body)) {
            return new ModelRoutes.Route(premiumChain, "auto:images");
        }
        if (PromptTokens.count(body) > premiumOverTokens) {
            return new ModelRoutes.Route(premiumChain, "auto:tokens>" + premiumOverTokens);
        }
        return new ModelRoutes.Route(budgetChain, "auto:short");
    }

    private static boolean nonEmpty(JsonNode n) {
        return n != null && n.isArray() && !n.isEmpty();
    }

    private static boolean hasImage(ObjectNode body) {
        for (JsonNode message : body.path("messages")) {
            for (JsonNode part : message.path("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    return true;
                }
            }
        }
        return false;
    }
}

package dev.aigateway.api;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Every provider of the chain failed or was skipped: the client gets 503 and the list of what was tried,
 * or 429 with Retry-After ({@code retryAfterMs} > 0) when every provider is cooling down.
 */
public record AllProvidersFailed(String chain, List<Attempt> attempts, long retryAfterMs, boolean deadlineExceeded) {

    public AllProvidersFailed(String chain, List<Attempt> attempts) {
        this(chain, attempts, -1);
    }

    public AllProvidersFailed(String chain, List<Attempt> attempts, long retryAfterMs) {
        this(chain, attempts, retryAfterMs, false);
    }

    /** The request's deadline passed first: 504 deadline_exceeded with what was tried until then. */
    public static AllProvidersFailed deadlineExceeded(String chain, List<Attempt> attempts) {
        return new AllProvidersFailed(chain, attempts, -1, true);
    }

    /** Whole seconds for a Retry-After header, rounded up. */
    public long retryAfterSeconds() {
        return (retryAfterMs + 999) / 1000;
    }

    public String summary() {
        StringBuilder sb = new StringBuilder(deadlineExceeded
                ? "The request's deadline passed in chain '" + chain + "' before any provider answered; tried: "
                : "All providers of chain '" + chain + "' failed: ");
        if (attempts.isEmpty() && deadlineExceeded) {
            sb.append("none");
        }
        for (int i = 0; i < attempts.size(); i++) {
            Attempt a = attempts.get(i);
            sb.append(i == 0 ? "" : "; ").append(a.provider()).append(" (").append(a.outcome());
            if (a.error() != null && !a.error().isEmpty()) {
                sb.append(": ").append(a.error());
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** OpenAI-style error body with the providers tried. */
    public ObjectNode toBody() {
        ObjectNode body = Json.object();
        ObjectNode error = body.putObject("error");
        error.put("message", summary());
        error.put("type", deadlineExceeded ? "timeout_error" : "all_providers_failed");
        error.putNull("param");
        error.put("code", deadlineExceeded ? "deadline_exceeded"
                : retryAfterMs > 0 ? "all_providers_cooling_down" : "all_providers_failed");
        ArrayNode tried = error.putArray("providers_tried");
        for (Attempt a : attempts) {
            tried.addObject().put("provider", a.provider()).put("outcome", a.outcome()).put("status", a.status())
                    .put("latency_ms", a.latencyMs()).put("error", a.error());
        }
        return body;
    }
}

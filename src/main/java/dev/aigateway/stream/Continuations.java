package dev.aigateway.stream;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;

/**
 * The request that asks a provider to continue an answer another provider started: the original messages
 * (the user's own system prompt untouched) plus the partial answer, either as an assistant prefill the
 * model carries on from (Anthropic, where the model allows it) or as an assistant turn followed by a user
 * turn with the continuation instruction (stream.continuation-instruction).
 */
final class Continuations {
    private Continuations() {
    }

    static ChatRequest request(ChatRequest original, String partial, boolean prefill, String instruction) {
        // Anthropic refuses a prefill that ends in whitespace; the stripped space comes back with the continuation
        String prefillText = partial.stripTrailing();
        if (prefill && prefillText.isEmpty()) {
            return original;
        }
        ObjectNode body = original.body().deepCopy();
        append((ArrayNode) body.get("messages"), partial, prefill, prefillText, instruction);
        // a client's Anthropic body (POST /v1/messages) gets the same turns: Anthropic providers are sent that one
        ObjectNode anthropic = original.anthropic() == null ? null : original.anthropic().deepCopy();
        if (anthropic != null) {
            append((ArrayNode) anthropic.get("messages"), partial, prefill, prefillText, instruction);
        }
        return new ChatRequest(body, original.chain(), original.requestId(), original.sessionId(), List.of(), null, anthropic);
    }

    /** The partial answer as a prefill, or as an assistant turn and the instruction (same shape in both APIs). */
    private static void append(ArrayNode messages, String partial, boolean prefill, String prefillText, String instruction) {
        if (prefill) {
            messages.addObject().put("role", "assistant").put("content", prefillText);
        } else {
            messages.addObject().put("role", "assistant").put("content", partial);
            messages.addObject().put("role", "user").put("content", instruction);
        }
    }
}

package dev.aigateway.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A provider's answer, already in OpenAI {@code chat.completion} form, with what the gateway measured:
 * who answered, tokens, cost and upstream latency.
 */
public record ChatResult(String provider, String model, ObjectNode completion, long promptTokens,
        long completionTokens, double costUsd, String finishReason, long upstreamLatencyMs) {
}

package dev.aigateway.provider;

import java.io.IOException;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Translates Gemini's {@code streamGenerateContent?alt=sse} stream into OpenAI chat.completion.chunk events. Every
 * event is a whole GenerateContentResponse: text parts are deltas, a functionCall part arrives whole (one tool
 * call with all its arguments), the last event carries {@code finishReason}, and {@code usageMetadata} is
 * cumulative. There is no end marker: the finish reason ends the answer. Stateful: tool calls are numbered.
 */
final class GeminiStreamParser implements StreamParser {
    private final String id = "chatcmpl-gemini-" + Long.toHexString(System.nanoTime());
    private final long created = Instant.now().getEpochSecond();
    private String model;
    private int toolCalls;
    private boolean started;

    GeminiStreamParser(ProviderSettings settings) {
        this.model = settings.model();
    }

    @Override
    public StreamEvent parse(String event, String data) throws IOException {
        if (data == null || data.isBlank()) {
            return StreamEvent.nothing();
        }
        if (!(Json.MAPPER.readTree(data) instanceof ObjectNode root)) {
            throw new IOException("stream event is not a JSON object");
        }
        if (root.has("error")) {
            return StreamEvent.error(UpstreamErrors.text(root.get("error"), "message"));
        }
        if (!root.has("candidates") && !root.has("promptFeedback") && !root.has("usageMetadata")) {
            throw new IOException("stream event is not a GenerateContentResponse");
        }
        model = root.path("modelVersion").asText(model);
        JsonNode candidate = root.path("candidates").path(0);
        ObjectNode delta = Json.object();
        if (!started) {
            delta.put("role", "assistant");
            started = true;
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("thought").asBoolean(false)) {
                continue;
            }
            if (part.has("text")) {
                text.append(part.get("text").asText());
            } else if (part.has("functionCall")) {
                calls.add(GeminiAdapter.toolCall(part.get("functionCall")).put("index", toolCalls++));
            }
        }
        delta.put("content", text.toString());
        if (!calls.isEmpty()) {
            delta.set("tool_calls", calls);
        }
        String finish = GeminiAdapter.finishReason(root, candidate, toolCalls > 0);
        JsonNode usage = root.path("usageMetadata");
        long prompt = usage.has("promptTokenCount") ? GeminiAdapter.promptTokens(usage) : -1;
        long completion = usage.has("promptTokenCount") ? GeminiAdapter.completionTokens(usage) : -1;
        ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finish);
        return new StreamEvent(chunk, text.toString(), !calls.isEmpty(), finish, prompt, completion, model, false, null);
    }
}

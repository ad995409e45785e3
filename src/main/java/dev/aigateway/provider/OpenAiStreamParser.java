package dev.aigateway.provider;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Reads an OpenAI-compatible chat.completion.chunk stream. Stateless: every chunk is already in the client's
 * format. Usage arrives either in a last chunk with {@code choices: []} (OpenAI, Ollama) or on the last chunk
 * with choices (DeepSeek, Gemini); both are read, and the chunk passed on never carries it. A text chunk is read
 * without a tree ({@link PlainChunk}) unless {@link #treesOnly} was called.
 */
final class OpenAiStreamParser implements StreamParser {
    private boolean trees;

    @Override
    public void treesOnly() {
        trees = true;
    }

    @Override
    public StreamEvent parse(String event, String data) throws IOException {
        String payload = data == null ? "" : data.trim();
        if (payload.isEmpty()) {
            return StreamEvent.nothing();
        }
        if ("[DONE]".equals(payload)) {
            return StreamEvent.end();
        }
        // a text chunk that goes out as it came is read without a tree; everything else below
        StreamEvent plain = trees ? null : PlainChunk.read(payload);
        if (plain != null) {
            return plain;
        }
        JsonNode root = Json.MAPPER.readTree(payload);
        if (!(root instanceof ObjectNode chunk)) {
            throw new IOException("stream event is not a JSON object");
        }
        if (chunk.hasNonNull("error")) {
            JsonNode error = chunk.get("error");
            // OpenAI sends an object; Ollama's native shape is a bare string
            return StreamEvent.error(error.isTextual() ? error.asText() : UpstreamErrors.text(error, "message"));
        }
        String model = chunk.hasNonNull("model") ? chunk.get("model").asText() : null;
        JsonNode usage = chunk.remove("usage");
        boolean hasUsage = usage != null && usage.isObject();
        long prompt = hasUsage ? usage.path("prompt_tokens").asLong(0) : -1;
        long completion = hasUsage ? OpenAiCompatibleAdapter.completionTokens(usage) : -1;
        if (!(chunk.get("choices") instanceof ArrayNode choices) || choices.isEmpty()) {
            // include_usage's final chunk; Azure's prompt-filter chunk (no usage) carries nothing for us
            return hasUsage ? StreamEvent.usage(prompt, completion, model) : StreamEvent.nothing();
        }
        JsonNode choice = choices.get(0);
        JsonNode delta = choice.path("delta");
        JsonNode content = delta.get("content");
        String text = content != null && content.isTextual() ? content.asText() : "";
        JsonNode calls = delta.get("tool_calls");
        boolean toolCall = calls != null && calls.isArray() && !calls.isEmpty();
        JsonNode finish = choice.get("finish_reason"); // Gemini omits the key, OpenAI sends null
        String finishReason = finish != null && finish.isTextual() ? finish.asText() : null;
        return new StreamEvent(chunk, text, toolCall, finishReason, prompt, completion, model, false, null);
    }
}

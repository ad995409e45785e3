package dev.aigateway.stream;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;
import dev.aigateway.provider.PlainChunk;

/**
 * Builds a whole {@code chat.completion} from streamed chunks, for clients that did not ask to stream:
 * the gateway streams from the provider anyway, so that an answer cut halfway is continued by the next
 * provider instead of being lost.
 */
public final class AnswerCollector implements AnswerSink {
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final StringBuilder refusal = new StringBuilder();
    /** Tool calls by their stream index: id, name and the argument fragments joined. */
    private final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();

    @Override
    public boolean live() {
        return false;
    }

    @Override
    public boolean gone() {
        return false;
    }

    @Override
    public void start(String provider) {
        // nothing to announce: the client gets the whole answer at the end
    }

    @Override
    public void chunk(ObjectNode chunk) {
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        append(content, delta.get("content"));
        append(reasoning, delta.get("reasoning_content"));
        append(refusal, delta.get("refusal"));
        for (JsonNode call : delta.path("tool_calls")) {
            ObjectNode acc = toolCalls.computeIfAbsent(call.path("index").asInt(toolCalls.size()), i -> {
                ObjectNode c = Json.object().put("id", "").put("type", "function");
                c.putObject("function").put("name", "").put("arguments", "");
                return c;
            });
            if (call.hasNonNull("id")) {
                acc.put("id", call.get("id").asText());
            }
            JsonNode f = call.path("function");
            ObjectNode accF = (ObjectNode) acc.get("function");
            if (f.hasNonNull("name")) {
                accF.put("name", accF.get("name").asText() + f.get("name").asText());
            }
            if (f.hasNonNull("arguments")) {
                accF.put("arguments", accF.get("arguments").asText() + f.get("arguments").asText());
            }
        }
    }

    /** A text chunk: its content is all there is to collect. */
    @Override
    public void chunk(PlainChunk chunk) {
        content.append(chunk.content());
    }

    @Override
    public boolean takesPlain() {
        return true;
    }

    @Override
    public void restart(ObjectNode marker) {
        content.setLength(0);
        reasoning.setLength(0);
        refusal.setLength(0);
        toolCalls.clear();
    }

    /** The collected answer as a non-streaming OpenAI completion. */
    public ObjectNode completion(String id, long created, String model, String finishReason, long promptTokens,
            long completionTokens) {
        ObjectNode c = Json.object();
        c.put("id", id).put("object", "chat.completion").put("created", created > 0 ? created
                : Instant.now().getEpochSecond()).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (content.isEmpty() && !toolCalls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", content.toString());
        }
        if (!reasoning.isEmpty()) {
            message.put("reasoning_content", reasoning.toString());
        }
        if (!refusal.isEmpty()) {
            message.put("refusal", refusal.toString());
        }
        if (!toolCalls.isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            toolCalls.values().forEach(calls::add);
        }
        choice.put("finish_reason", finishReason);
        c.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        return c;
    }

    private static void append(StringBuilder sb, JsonNode text) {
        if (text != null && text.isTextual()) {
            sb.append(text.asText());
        }
    }
}

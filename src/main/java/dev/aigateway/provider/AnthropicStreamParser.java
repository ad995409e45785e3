package dev.aigateway.provider;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Translates one Anthropic Messages stream into OpenAI chat.completion.chunk events. Stateful: message_start
 * names the message and model, and content blocks are numbered across text and tool_use blocks while OpenAI
 * numbers tool calls alone, so block indexes are mapped to tool-call indexes as tool_use blocks start.
 */
final class AnthropicStreamParser implements StreamParser {
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private String id = "chatcmpl-";
    private String model;
    private long created = Instant.now().getEpochSecond();

    AnthropicStreamParser(ProviderSettings settings) {
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
        // the data's own type names the event too; it decides when the event: line is missing
        String type = event != null ? event : root.path("type").asText();
        if ("error".equals(type) || "error".equals(root.path("type").asText())) {
            return StreamEvent.error(UpstreamErrors.text(root.path("error"), "message"));
        }
        return switch (type) {
            case "message_start" -> messageStart(root.path("message"));
            case "content_block_start" -> blockStart(root.path("index").asInt(), root.path("content_block"));
            case "content_block_delta" -> blockDelta(root.path("index").asInt(), root.path("delta"));
            case "message_delta" -> messageDelta(root);
            case "message_stop" -> StreamEvent.end();
            default -> StreamEvent.nothing(); // ping, content_block_stop, and event types added later
        };
    }

    private StreamEvent messageStart(JsonNode message) {
        id = "chatcmpl-" + message.path("id").asText();
        model = message.path("model").asText(model);
        created = Instant.now().getEpochSecond();
        toolIndexByBlock.clear();
        ObjectNode chunk = chunk(Json.object().put("role", "assistant").put("content", ""), null);
        JsonNode usage = message.path("usage");
        // output_tokens here (1 or so) counts only the start: taken as reported, a stream cut before
        // message_delta would be billed that and not flagged estimated. message_delta brings the real count.
        return new StreamEvent(chunk, "", false, null, promptTokens(usage), -1, model, false, null);
    }

    private StreamEvent blockStart(int index, JsonNode block) {
        if (!"tool_use".equals(block.path("type").asText())) {
            return StreamEvent.nothing(); // text starts empty; thinking is not shown to OpenAI clients
        }
        int k = toolIndexByBlock.size();
        toolIndexByBlock.put(index, k);
        ObjectNode call = Json.object().put("index", k).put("id", block.path("id").asText()).put("type", "function");
        call.putObject("function").put("name", block.path("name").asText()).put("arguments", "");
        ObjectNode delta = Json.object();
        delta.putArray("tool_calls").add(call);
        return new StreamEvent(chunk(delta, null), "", true, null, -1, -1, model, false, null);
    }

    private StreamEvent blockDelta(int index, JsonNode delta) {
        switch (delta.path("type").asText()) {
            case "text_delta" -> {
                String text = delta.path("text").asText();
                return new StreamEvent(chunk(Json.object().put("content", text), null), text, false, null, -1, -1,
                        model, false, null);
            }
            case "input_json_delta" -> {
                Integer k = toolIndexByBlock.get(index);
                if (k == null) {
                    return StreamEvent.nothing(); // server_tool_use input (web search): run by Anthropic itself
                }
                ObjectNode call = Json.object().put("index", k);
                call.putObject("function").put("arguments", delta.path("partial_json").asText());
                ObjectNode out = Json.object();
                out.putArray("tool_calls").add(call);
                return new StreamEvent(chunk(out, null), "", true, null, -1, -1, model, false, null);
            }
            default -> {
                return StreamEvent.nothing(); // thinking_delta, signature_delta, citations_delta
            }
        }
    }

    private StreamEvent messageDelta(JsonNode root) {
        String finish = AnthropicAdapter.finishReason(root.path("delta").path("stop_reason").asText(null));
        JsonNode usage = root.path("usage");
        long completion = usage.has("output_tokens") ? usage.get("output_tokens").asLong() : -1;
        // recent streams repeat input_tokens here; older ones report it only in message_start
        long prompt = usage.has("input_tokens") ? promptTokens(usage) : -1;
        return new StreamEvent(chunk(Json.object(), finish), "", false, finish, prompt, completion, model, false,
                null);
    }

    /** Anthropic's input_tokens excludes cached tokens; they are prompt tokens all the same. */
    private static long promptTokens(JsonNode usage) {
        if (!usage.has("input_tokens")) {
            return -1;
        }
        return usage.path("input_tokens").asLong(0) + usage.path("cache_creation_input_tokens").asLong(0)
                + usage.path("cache_read_input_tokens").asLong(0);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        return chunk;
    }
}

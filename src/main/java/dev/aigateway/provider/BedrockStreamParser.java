package dev.aigateway.provider;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Translates a Bedrock ConverseStream (events decoded from AWS event-stream frames, named by {@code :event-type})
 * into OpenAI chat.completion.chunk events: messageStart, contentBlockStart (a toolUse begins), contentBlockDelta
 * (text, or toolUse input JSON fragments), contentBlockStop, messageStop (the stopReason) and metadata (usage, after
 * messageStop). An exception frame ({@code exception:throttlingException}, ...) is an in-band error. Stateful:
 * content blocks are numbered across text and tool use, OpenAI numbers tool calls alone.
 */
final class BedrockStreamParser implements StreamParser {
    private final String id = "chatcmpl-bedrock-" + Long.toHexString(System.nanoTime());
    private final long created = Instant.now().getEpochSecond();
    private final String model;
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();

    BedrockStreamParser(ProviderSettings settings) {
        this.model = settings.model();
    }

    @Override
    public StreamEvent parse(String event, String data) throws IOException {
        String type = event == null ? "" : event;
        if (type.startsWith("exception:") || type.startsWith("error:")) {
            String message = null;
            try {
                message = UpstreamErrors.text(Json.MAPPER.readTree(data), "message");
            } catch (IOException notJson) {
                // the exception's type alone says enough
            }
            return StreamEvent.error(type.substring(type.indexOf(':') + 1) + (message == null ? "" : ": " + message));
        }
        if (!(Json.MAPPER.readTree(data == null || data.isBlank() ? "{}" : data) instanceof ObjectNode root)) {
            throw new IOException("stream event is not a JSON object");
        }
        return switch (type) {
            case "messageStart" -> new StreamEvent(chunk(Json.object().put("role", "assistant").put("content", ""), null),
                    "", false, null, -1, -1, model, false, null);
            case "contentBlockStart" -> blockStart(root.path("contentBlockIndex").asInt(), root.path("start"));
            case "contentBlockDelta" -> blockDelta(root.path("contentBlockIndex").asInt(), root.path("delta"));
            case "messageStop" -> {
                String finish = BedrockAdapter.finishReason(root.path("stopReason").asText("end_turn"));
                yield new StreamEvent(chunk(Json.object(), finish), "", false, finish, -1, -1, model, false, null);
            }
            case "metadata" -> {
                JsonNode usage = root.path("usage");
                // the last event: usage for the whole answer
                yield usage.has("inputTokens") ? new StreamEvent(null, "", false, null, BedrockAdapter.promptTokens(usage),
                        usage.path("outputTokens").asLong(0), model, true, null) : StreamEvent.end();
            }
            default -> StreamEvent.nothing(); // contentBlockStop, and event types added later
        };
    }

    private StreamEvent blockStart(int index, JsonNode start) {
        JsonNode use = start.path("toolUse");
        if (use.isMissingNode()) {
            return StreamEvent.nothing();
        }
        int k = toolIndexByBlock.size();
        toolIndexByBlock.put(index, k);
        ObjectNode call = Json.object().put("index", k).put("id", use.path("toolUseId").asText()).put("type", "function");
        call.putObject("function").put("name", use.path("name").asText()).put("arguments", "");
        ObjectNode delta = Json.object();
        delta.putArray("tool_calls").add(call);
        return new StreamEvent(chunk(delta, null), "", true, null, -1, -1, model, false, null);
    }

    private StreamEvent blockDelta(int index, JsonNode delta) {
        if (delta.has("text")) {
            String text = delta.get("text").asText();
            return new StreamEvent(chunk(Json.object().put("content", text), null), text, false, null, -1, -1, model,
                    false, null);
        }
        Integer k = toolIndexByBlock.get(index);
        if (delta.has("toolUse") && k != null) {
            ObjectNode call = Json.object().put("index", k);
            call.putObject("function").put("arguments", delta.path("toolUse").path("input").asText());
            ObjectNode out = Json.object();
            out.putArray("tool_calls").add(call);
            return new StreamEvent(chunk(out, null), "", true, null, -1, -1, model, false, null);
        }
        return StreamEvent.nothing(); // reasoningContent, citations: not shown to OpenAI clients
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

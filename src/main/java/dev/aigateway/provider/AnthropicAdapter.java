package dev.aigateway.provider;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/**
 * Anthropic Messages API: system prompt as a top-level field, max_tokens required, content blocks,
 * {@code stop_reason}; the answer is translated to an OpenAI chat.completion.
 */
public class AnthropicAdapter implements ProviderAdapter {
    static final String API_VERSION = "2023-06-01";
    /**
     * The client fields this adapter translates into a Messages request; the rest of an OpenAI body has no
     * Messages equivalent and is not sent (n, logprobs, response_format, tool_choice, …).
     */
    public static final Set<String> FORWARDED_FIELDS = Set.of("messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "stop", "tools", "stream");

    @Override
    public String chatPath() {
        return "/v1/messages";
    }

    @Override
    public String modelsPath() {
        return "/v1/models";
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of("anthropic-version", API_VERSION)
                : Map.of("x-api-key", apiKey, "anthropic-version", API_VERSION);
    }

    @Override
    public byte[] buildRequest(ChatRequest request, ProviderSettings settings, boolean stream) throws IOException {
        if (request.anthropic() != null) {
            return Json.MAPPER.writeValueAsBytes(passThrough(request.anthropic(), settings, stream));
        }
        ObjectNode in = request.body();
        ObjectNode out = Json.object();
        out.put("model", settings.model());
        out.put("max_tokens", request.maxTokens(settings.maxTokens()));
        StringBuilder system = new StringBuilder();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode m : request.messages()) {
            String role = m.path("role").asText();
            switch (role) {
                case "system", "developer" -> {
                    if (!system.isEmpty()) {
                        system.append("\n\n");
                    }
                    system.append(plainText(m.get("content")));
                }
                case "tool" -> messages.addObject().put("role", "user").set("content", Json.MAPPER.createArrayNode()
                        .add(Json.object().put("type", "tool_result")
                                .put("tool_use_id", m.path("tool_call_id").asText())
                                .put("content", plainText(m.get("content")))));
                case "assistant" -> messages.addObject().put("role", "assistant").set("content", assistantBlocks(m));
                default -> messages.addObject().put("role", "user").set("content", userContent(m.get("content")));
            }
        }
        if (!system.isEmpty()) {
            out.put("system", system.toString());
        }
        if (in.hasNonNull("temperature")) {
            out.put("temperature", Math.min(1.0, in.get("temperature").asDouble())); // Anthropic's range is 0..1
        }
        if (in.hasNonNull("top_p")) {
            out.put("top_p", in.get("top_p").asDouble());
        }
        JsonNode stop = in.get("stop");
        if (stop != null && stop.isTextual()) {
            out.putArray("stop_sequences").add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            out.set("stop_sequences", stop);
        }
        if (in.get("tools") instanceof ArrayNode tools) {
            ArrayNode mapped = out.putArray("tools");
            for (JsonNode t : tools) {
                JsonNode f = t.path("function");
                ObjectNode tool = mapped.addObject().put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    tool.put("description", f.get("description").asText());
                }
                tool.set("input_schema", f.has("parameters") ? f.get("parameters") : Json.object().put("type", "object"));
            }
        }
        if (stream) {
            out.put("stream", true); // usage always comes with message_start / message_delta
        }
        return Json.MAPPER.writeValueAsBytes(out);
    }

    /**
     * A client's own Messages body (POST /v1/messages), as it sent it: cache_control, metadata, top-level
     * fields and block shapes untranslated. Only the model is this provider's, and stream what the gateway reads.
     */
    static ObjectNode passThrough(ObjectNode clientBody, ProviderSettings settings, boolean stream) {
        ObjectNode out = clientBody.deepCopy();
        out.put("model", settings.model());
        if (stream) {
            out.put("stream", true);
        } else {
            out.remove("stream");
        }
        return out;
    }

    @Override
    public ChatResult parseResponse(byte[] body, ProviderSettings settings, long latencyMs) throws IOException {
        JsonNode root = Json.MAPPER.readTree(body);
        if (root == null || !root.has("content")) {
            throw new IOException("response has no content");
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (JsonNode block : root.get("content")) {
            String type = block.path("type").asText();
            if ("text".equals(type)) {
                text.append(block.path("text").asText());
            } else if ("tool_use".equals(type)) {
                ObjectNode call = toolCalls.addObject().put("id", block.path("id").asText()).put("type", "function");
                call.putObject("function").put("name", block.path("name").asText())
                        .put("arguments", Json.MAPPER.writeValueAsString(block.path("input")));
            }
        }
        String finish = finishReason(root.path("stop_reason").asText(null));
        String model = root.path("model").asText(settings.model());
        JsonNode usage = root.path("usage");
        long prompt = usage.path("input_tokens").asLong(0) + usage.path("cache_creation_input_tokens").asLong(0)
                + usage.path("cache_read_input_tokens").asLong(0);
        long completionTokens = usage.path("output_tokens").asLong(0);

        ObjectNode completion = Json.object();
        completion.put("id", "chatcmpl-" + root.path("id").asText());
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (text.isEmpty() && !toolCalls.isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", text.toString());
        }
        if (!toolCalls.isEmpty()) {
            message.set("tool_calls", toolCalls);
        }
        choice.put("finish_reason", finish);
        completion.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completionTokens)
                .put("total_tokens", prompt + completionTokens);
        return new ChatResult(settings.name(), model, completion, prompt, completionTokens,
                settings.cost(prompt, completionTokens), finish, latencyMs);
    }

    @Override
    public StreamParser streamParser(ProviderSettings settings) {
        return new AnthropicStreamParser(settings);
    }

    @Override
    public UpstreamError readError(int status, Map<String, Object> headers, byte[] body) {
        JsonNode error = UpstreamErrors.errorNode(body);
        String message = UpstreamErrors.text(error, "message");
        String type = UpstreamErrors.text(error, "type");
        return new UpstreamError(status, type, type, null, message != null ? message : UpstreamErrors.snippet(body),
                UpstreamErrors.retryAfterMs(headers));
    }

    /** Anthropic stop_reason → OpenAI finish_reason. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    private static JsonNode userContent(JsonNode content) {
        if (content == null || content.isTextual() || !content.isArray()) {
            return Json.MAPPER.getNodeFactory().textNode(plainText(content));
        }
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        for (JsonNode part : content) {
            String type = part.path("type").asText();
            if ("image_url".equals(type)) {
                blocks.add(imageBlock(part.path("image_url").path("url").asText()));
            } else {
                blocks.addObject().put("type", "text").put("text", part.path("text").asText());
            }
        }
        return blocks;
    }

    private static JsonNode assistantBlocks(JsonNode m) {
        String text = plainText(m.get("content"));
        JsonNode calls = m.get("tool_calls");
        if (calls == null || !calls.isArray() || calls.isEmpty()) {
            return Json.MAPPER.getNodeFactory().textNode(text);
        }
        ArrayNode blocks = Json.MAPPER.createArrayNode();
        if (!text.isEmpty()) {
            blocks.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : calls) {
            ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", call.path("id").asText())
                    .put("name", call.path("function").path("name").asText());
            try {
                use.set("input", Json.MAPPER.readTree(call.path("function").path("arguments").asText("{}")));
            } catch (IOException e) {
                use.putObject("input");
            }
        }
        return blocks;
    }

    private static ObjectNode imageBlock(String url) {
        ObjectNode block = Json.object().put("type", "image");
        ObjectNode source = block.putObject("source");
        if (url.startsWith("data:") && url.contains(";base64,")) {
            source.put("type", "base64").put("media_type", url.substring(5, url.indexOf(';')))
                    .put("data", url.substring(url.indexOf(";base64,") + 8));
        } else {
            source.put("type", "url").put("url", url);
        }
        return block;
    }

    /** Text of a message content: a string, or the text parts of a content array. */
    static String plainText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (JsonNode part : content) {
            if (part.has("text")) {
                sb.append(part.get("text").asText());
            }
        }
        return sb.toString();
    }
}

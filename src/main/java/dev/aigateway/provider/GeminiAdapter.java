package dev.aigateway.provider;

import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/**
 * Google's native Gemini API ({@code provider.<name>.api = gemini}): {@code POST {base}/models/<model>:generateContent},
 * streamed as {@code :streamGenerateContent?alt=sse}, the key in {@code x-goog-api-key}. The OpenAI request becomes
 * {@code systemInstruction} + {@code contents} (roles user/model, images as inline data, tool calls and results as
 * functionCall / functionResponse parts) + {@code tools.functionDeclarations} + {@code generationConfig}; the answer
 * ({@code candidates[0]}) comes back as an OpenAI chat.completion. A blocked prompt ({@code promptFeedback.blockReason})
 * or a SAFETY-like finish is the gateway's content-filter outcome: finish_reason {@code content_filter}, as Azure's.
 */
public class GeminiAdapter implements ProviderAdapter {
    /** The OpenAI request fields this adapter translates; the rest has no Gemini equivalent and is not sent. */
    public static final Set<String> FORWARDED_FIELDS = Set.of("messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "stop", "tools", "tool_choice", "stream", "seed", "presence_penalty",
            "frequency_penalty", "response_format");

    @Override
    public String chatPath() {
        throw new UnsupportedOperationException("the Gemini chat path names the model: chatPath(settings, stream)");
    }

    @Override
    public String chatPath(ProviderSettings settings, boolean stream) {
        return "/models/" + settings.model() + (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    }

    @Override
    public String modelsPath() {
        return "/models";
    }

    @Override
    public Map<String, String> headers(String apiKey) {
        return apiKey == null ? Map.of() : Map.of("x-goog-api-key", apiKey);
    }

    @Override
    public byte[] buildRequest(ChatRequest request, ProviderSettings settings, boolean stream) throws IOException {
        ObjectNode in = request.body();
        ObjectNode out = Json.object();
        StringBuilder system = new StringBuilder();
        ArrayNode contents = out.putArray("contents");
        Map<String, String> toolNames = new HashMap<>(); // tool_call_id -> function name (functionResponse needs it)
        for (JsonNode m : request.messages()) {
            switch (m.path("role").asText()) {
                case "system", "developer" -> {
                    if (!system.isEmpty()) {
                        system.append("\n\n");
                    }
                    system.append(AnthropicAdapter.plainText(m.get("content")));
                }
                case "assistant" -> {
                    ArrayNode parts = turn(contents, "model");
                    String text = AnthropicAdapter.plainText(m.get("content"));
                    if (!text.isEmpty()) {
                        parts.addObject().put("text", text);
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        String name = call.path("function").path("name").asText();
                        toolNames.put(call.path("id").asText(), name);
                        parts.addObject().putObject("functionCall").put("name", name)
                                .set("args", arguments(call.path("function").path("arguments").asText("{}")));
                    }
                }
                case "tool" -> {
                    String id = m.path("tool_call_id").asText();
                    ObjectNode response = turn(contents, "user").addObject().putObject("functionResponse");
                    response.put("name", toolNames.getOrDefault(id, id));
                    response.set("response", toolResponse(AnthropicAdapter.plainText(m.get("content"))));
                }
                default -> userParts(turn(contents, "user"), m.get("content"));
            }
        }
        if (!system.isEmpty()) {
            out.putObject("systemInstruction").putArray("parts").addObject().put("text", system.toString());
        }
        if (in.get("tools") instanceof ArrayNode tools && !tools.isEmpty()) {
            ArrayNode declarations = out.putArray("tools").addObject().putArray("functionDeclarations");
            for (JsonNode t : tools) {
                JsonNode f = t.path("function");
                ObjectNode d = declarations.addObject().put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    d.put("description", f.get("description").asText());
                }
                if (f.has("parameters")) {
                    d.set("parametersJsonSchema", f.get("parameters"));
                }
            }
            toolConfig(out, in.get("tool_choice"));
        }
        ObjectNode config = out.putObject("generationConfig");
        config.put("maxOutputTokens", request.maxTokens(settings.maxTokens()));
        copyNumber(in, "temperature", config, "temperature");
        copyNumber(in, "top_p", config, "topP");
        copyNumber(in, "presence_penalty", config, "presencePenalty");
        copyNumber(in, "frequency_penalty", config, "frequencyPenalty");
        if (in.hasNonNull("seed")) {
            config.put("seed", in.get("seed").asLong());
        }
        JsonNode stop = in.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            config.set("stopSequences", stop);
        }
        JsonNode format = in.path("response_format");
        if ("json_object".equals(format.path("type").asText())) {
            config.put("responseMimeType", "application/json");
        } else if ("json_schema".equals(format.path("type").asText())) {
            config.put("responseMimeType", "application/json");
            config.set("responseJsonSchema", format.path("json_schema").path("schema"));
        }
        return Json.MAPPER.writeValueAsBytes(out);
    }

    @Override
    public ChatResult parseResponse(byte[] body, ProviderSettings settings, long latencyMs) throws IOException {
        JsonNode root = Json.MAPPER.readTree(body);
        if (!(root instanceof ObjectNode) || !root.has("candidates") && !root.has("promptFeedback")) {
            throw new IOException("response has no candidates");
        }
        JsonNode candidate = root.path("candidates").path(0);
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (JsonNode part : candidate.path("content").path("parts")) {
            if (part.path("thought").asBoolean(false)) {
                continue; // thought summaries are not the answer
            }
            if (part.has("text")) {
                text.append(part.get("text").asText());
            } else if (part.has("functionCall")) {
                toolCalls.add(toolCall(part.get("functionCall")));
            }
        }
        String finish = finishReason(root, candidate, !toolCalls.isEmpty());
        String model = root.path("modelVersion").asText(settings.model());
        long prompt = promptTokens(root.path("usageMetadata"));
        long completionTokens = completionTokens(root.path("usageMetadata"));

        ObjectNode completion = Json.object();
        completion.put("id", "chatcmpl-" + root.path("responseId").asText(Long.toHexString(ThreadLocalRandom.current().nextLong())));
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
        return new GeminiStreamParser(settings);
    }

    /**
     * Google's error shape {@code {"error":{"code","message","status","details"}}}: {@code status} (RESOURCE_EXHAUSTED,
     * UNAVAILABLE, INVALID_ARGUMENT…) is the type, an ErrorInfo {@code reason} (API_KEY_INVALID) the code, and a
     * RetryInfo {@code retryDelay} the Retry-After when no header says it.
     */
    @Override
    public UpstreamError readError(int status, Map<String, Object> headers, byte[] body) {
        JsonNode error = UpstreamErrors.errorNode(body);
        String message = UpstreamErrors.text(error, "message");
        String type = UpstreamErrors.text(error, "status");
        String code = type;
        long retryAfterMs = UpstreamErrors.retryAfterMs(headers);
        if (error != null) {
            for (JsonNode d : error.path("details")) {
                if (d.hasNonNull("reason")) {
                    code = d.get("reason").asText();
                }
                if (retryAfterMs < 0 && d.hasNonNull("retryDelay")) {
                    retryAfterMs = protoDurationMs(d.get("retryDelay").asText());
                }
            }
        }
        return new UpstreamError(status, type, code, null, message != null ? message : UpstreamErrors.snippet(body),
                retryAfterMs);
    }

    /** Gemini finishReason (or a blocked prompt) → OpenAI finish_reason. */
    static String finishReason(JsonNode root, JsonNode candidate, boolean toolCalls) {
        if (root.path("promptFeedback").hasNonNull("blockReason")) {
            return "content_filter"; // the prompt itself was blocked: no candidate at all
        }
        String reason = candidate.path("finishReason").asText(null);
        if (reason == null) {
            return null;
        }
        return switch (reason) {
            case "MAX_TOKENS" -> "length";
            case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
                    "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION" -> "content_filter";
            default -> toolCalls ? "tool_calls" : "stop"; // STOP, OTHER, MALFORMED_FUNCTION_CALL, LANGUAGE, ...
        };
    }

    /** promptTokenCount includes cached tokens; tool-use prompt tokens are input as well. */
    static long promptTokens(JsonNode usage) {
        return usage.path("promptTokenCount").asLong(0) + usage.path("toolUsePromptTokenCount").asLong(0);
    }

    /** Thinking tokens are billed as output. */
    static long completionTokens(JsonNode usage) {
        return usage.path("candidatesTokenCount").asLong(0) + usage.path("thoughtsTokenCount").asLong(0);
    }

    /** An OpenAI tool call for a functionCall part (Gemini's id when it sends one, else a fresh one). */
    static ObjectNode toolCall(JsonNode functionCall) throws IOException {
        String id = functionCall.hasNonNull("id") ? functionCall.get("id").asText()
                : "call_" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        ObjectNode call = Json.object().put("id", id).put("type", "function");
        call.putObject("function").put("name", functionCall.path("name").asText())
                .put("arguments", Json.MAPPER.writeValueAsString(functionCall.has("args") ? functionCall.get("args")
                        : Json.object()));
        return call;
    }

    /** The parts of the last turn when it has this role (Gemini wants turns to alternate), else of a new turn. */
    private static ArrayNode turn(ArrayNode contents, String role) {
        JsonNode last = contents.isEmpty() ? null : contents.get(contents.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            return (ArrayNode) last.get("parts");
        }
        return contents.addObject().put("role", role).putArray("parts");
    }

    private static void userParts(ArrayNode parts, JsonNode content) {
        if (content == null || !content.isArray()) {
            parts.addObject().put("text", AnthropicAdapter.plainText(content));
            return;
        }
        for (JsonNode part : content) {
            if ("image_url".equals(part.path("type").asText())) {
                String url = part.path("image_url").path("url").asText();
                if (url.startsWith("data:") && url.contains(";base64,")) {
                    parts.addObject().putObject("inlineData").put("mimeType", url.substring(5, url.indexOf(';')))
                            .put("data", url.substring(url.indexOf(";base64,") + 8));
                } else {
                    parts.addObject().putObject("fileData").put("mimeType", imageType(url)).put("fileUri", url);
                }
            } else {
                parts.addObject().put("text", part.path("text").asText());
            }
        }
    }

    /** The image type a URL's extension names (fileData needs one); JPEG when it names none. */
    private static String imageType(String url) {
        String path = url.toLowerCase(Locale.ROOT).replaceAll("[?#].*$", "");
        if (path.endsWith(".png")) {
            return "image/png";
        }
        if (path.endsWith(".webp")) {
            return "image/webp";
        }
        if (path.endsWith(".gif")) {
            return "image/gif";
        }
        return "image/jpeg";
    }

    /** tool_choice → toolConfig.functionCallingConfig (auto → AUTO, none → NONE, required / a named tool → ANY). */
    private static void toolConfig(ObjectNode out, JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return;
        }
        ObjectNode config = Json.object();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "none" -> config.put("mode", "NONE");
                case "required" -> config.put("mode", "ANY");
                default -> config.put("mode", "AUTO");
            }
        } else if (choice.path("function").hasNonNull("name")) {
            config.put("mode", "ANY").putArray("allowedFunctionNames").add(choice.path("function").path("name").asText());
        } else {
            return;
        }
        out.putObject("toolConfig").set("functionCallingConfig", config);
    }

    private static JsonNode arguments(String json) {
        try {
            JsonNode args = Json.MAPPER.readTree(json);
            return args instanceof ObjectNode ? args : Json.object();
        } catch (IOException e) {
            return Json.object();
        }
    }

    /** A functionResponse's response must be an object: a JSON object result as it is, anything else wrapped. */
    private static JsonNode toolResponse(String content) {
        try {
            JsonNode parsed = Json.MAPPER.readTree(content);
            if (parsed instanceof ObjectNode) {
                return parsed;
            }
        } catch (IOException notJson) {
            // plain text: wrapped below
        }
        return Json.object().put("result", content);
    }

    private static void copyNumber(ObjectNode in, String from, ObjectNode out, String to) {
        if (in.hasNonNull(from) && in.get(from).isNumber()) {
            out.put(to, in.get(from).asDouble());
        }
    }

    /** A protobuf Duration as JSON writes it ("27s", "1.5s"), in ms; -1 when unreadable. */
    static long protoDurationMs(String duration) {
        if (duration == null || !duration.endsWith("s")) {
            return -1;
        }
        try {
            return Math.round(Double.parseDouble(duration.substring(0, duration.length() - 1)) * 1000);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

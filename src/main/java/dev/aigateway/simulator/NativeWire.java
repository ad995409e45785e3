package dev.aigateway.simulator;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * The simulator's Gemini ({@code generateContent}) and Bedrock ({@code converse}) wire: which paths are chat calls,
 * the request read as the chat view {@link SimulatedAnswer} and {@link SimulatedUsage} work on (messages, system,
 * tools, model), and the whole answer and error bodies in each API's shape.
 */
final class NativeWire {
    private NativeWire() {
    }

    /** A chat call of a native API: the model named by the path and whether it streams; null when the path is none. */
    record Call(String model, boolean stream) {
    }

    /** {@code /v1beta/models/<model>:generateContent} or {@code :streamGenerateContent} (Gemini). */
    static Call gemini(String rest) {
        String prefix = "/v1beta/models/";
        if (!rest.startsWith(prefix)) {
            return null;
        }
        String tail = rest.substring(prefix.length());
        if (tail.endsWith(":generateContent")) {
            return new Call(tail.substring(0, tail.length() - ":generateContent".length()), false);
        }
        if (tail.endsWith(":streamGenerateContent")) {
            return new Call(tail.substring(0, tail.length() - ":streamGenerateContent".length()), true);
        }
        return null;
    }

    /** {@code /model/<modelId>/converse} or {@code /converse-stream} (Bedrock; the id percent-encoded). */
    static Call bedrock(String rest) {
        if (!rest.startsWith("/model/")) {
            return null;
        }
        String tail = rest.substring("/model/".length());
        int slash = tail.lastIndexOf('/');
        if (slash <= 0) {
            return null;
        }
        String model = URLDecoder.decode(tail.substring(0, slash), StandardCharsets.UTF_8);
        return switch (tail.substring(slash + 1)) {
            case "converse" -> new Call(model, false);
            case "converse-stream" -> new Call(model, true);
            default -> null;
        };
    }

    /** A Gemini request as the chat view: contents → messages (model → assistant), systemInstruction, functionDeclarations. */
    static ObjectNode geminiChat(JsonNode wire, Call call) {
        ObjectNode chat = Json.object().put("model", call.model()).put("stream", call.stream());
        ArrayNode messages = chat.putArray("messages");
        for (JsonNode c : wire.path("contents")) {
            messages.addObject().put("role", "model".equals(c.path("role").asText()) ? "assistant" : "user")
                    .put("content", partsText(c.path("parts"), "text"));
        }
        if (wire.has("systemInstruction")) {
            chat.put("system", partsText(wire.path("systemInstruction").path("parts"), "text"));
        }
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (JsonNode t : wire.path("tools")) {
            for (JsonNode d : t.path("functionDeclarations")) {
                tools.addObject().put("type", "function").putObject("function").put("name", d.path("name").asText());
            }
        }
        if (!tools.isEmpty()) {
            chat.set("tools", tools);
        }
        if ("NONE".equals(wire.path("toolConfig").path("functionCallingConfig").path("mode").asText())) {
            chat.put("tool_choice", "none");
        }
        if (wire.path("generationConfig").has("maxOutputTokens")) {
            chat.put("max_tokens", wire.path("generationConfig").path("maxOutputTokens").asInt());
        }
        return chat;
    }

    /** A Converse request as the chat view: messages with text blocks, system blocks, toolSpecs. */
    static ObjectNode bedrockChat(JsonNode wire, Call call) {
        ObjectNode chat = Json.object().put("model", call.model()).put("stream", call.stream());
        ArrayNode messages = chat.putArray("messages");
        for (JsonNode m : wire.path("messages")) {
            messages.addObject().put("role", "assistant".equals(m.path("role").asText()) ? "assistant" : "user")
                    .put("content", partsText(m.path("content"), "text"));
        }
        if (wire.has("system")) {
            chat.put("system", partsText(wire.path("system"), "text"));
        }
        ArrayNode tools = Json.MAPPER.createArrayNode();
        for (JsonNode t : wire.path("toolConfig").path("tools")) {
            tools.addObject().put("type", "function").putObject("function").put("name", t.path("toolSpec").path("name").asText());
        }
        if (!tools.isEmpty()) {
            chat.set("tools", tools);
        }
        if (wire.path("inferenceConfig").has("maxTokens")) {
            chat.put("max_tokens", wire.path("inferenceConfig").path("maxTokens").asInt());
        }
        return chat;
    }

    /** A GenerateContentResponse with the whole answer. */
    static ObjectNode geminiResponse(SimulatedAnswer answer, String model, ProviderSimulator.Usage usage) {
        ObjectNode r = Json.object();
        ObjectNode candidate = r.putArray("candidates").addObject();
        ObjectNode content = candidate.putObject("content");
        ArrayNode parts = content.putArray("parts");
        if (answer.toolCall()) {
            parts.addObject().putObject("functionCall").put("name", answer.toolName()).set("args", answer.arguments());
        } else {
            parts.addObject().put("text", answer.text());
        }
        content.put("role", "model");
        candidate.put("finishReason", "STOP").put("index", 0);
        r.set("usageMetadata", geminiUsage(usage, true));
        r.put("modelVersion", model).put("responseId", "sim" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        return r;
    }

    static ObjectNode geminiUsage(ProviderSimulator.Usage usage, boolean complete) {
        ObjectNode u = Json.object().put("promptTokenCount", usage.prompt());
        if (complete) {
            u.put("candidatesTokenCount", usage.completion());
        }
        return u.put("totalTokenCount", usage.prompt() + (complete ? usage.completion() : 0));
    }

    /** A Converse response with the whole answer. */
    static ObjectNode bedrockResponse(SimulatedAnswer answer, ProviderSimulator.Usage usage) {
        ObjectNode r = Json.object();
        ObjectNode message = r.putObject("output").putObject("message").put("role", "assistant");
        ArrayNode content = message.putArray("content");
        if (answer.toolCall()) {
            content.addObject().putObject("toolUse").put("toolUseId", "tooluse_sim" + answer.toolId(false))
                    .put("name", answer.toolName()).set("input", answer.arguments());
        } else {
            content.addObject().put("text", answer.text());
        }
        r.put("stopReason", answer.toolCall() ? "tool_use" : "end_turn");
        r.set("usage", bedrockUsage(usage));
        r.putObject("metrics").put("latencyMs", 1);
        return r;
    }

    static ObjectNode bedrockUsage(ProviderSimulator.Usage usage) {
        return Json.object().put("inputTokens", usage.prompt()).put("outputTokens", usage.completion())
                .put("totalTokens", usage.prompt() + usage.completion());
    }

    /** Google's error shape: {@code {"error":{"code","message","status"}}}, the status named from the HTTP status. */
    static ObjectNode geminiError(int status, String message) {
        ObjectNode body = Json.object();
        body.putObject("error").put("code", status).put("message", message).put("status", switch (status) {
            case 400 -> "INVALID_ARGUMENT";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 429 -> "RESOURCE_EXHAUSTED";
            case 503 -> "UNAVAILABLE";
            case 504 -> "DEADLINE_EXCEEDED";
            default -> "INTERNAL";
        });
        return body;
    }

    /** The AWS exception type Bedrock names for an HTTP status (also sent as x-amzn-ErrorType). */
    static String bedrockErrorType(int status) {
        return switch (status) {
            case 400 -> "ValidationException";
            case 401, 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> "InternalServerException";
        };
    }

    private static String partsText(JsonNode parts, String field) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : parts) {
            if (p.has(field)) {
                sb.append(p.get(field).asText());
            }
        }
        return sb.toString();
    }
}

package dev.aigateway.messages;

import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.api.RequestParser;

/**
 * An Anthropic Messages request ({@code POST /v1/messages}) read into the OpenAI chat request the chains run.
 * What the chains cannot serve on every provider is refused here, naming the field (400
 * {@code unsupported_parameter}); a field Anthropic does not define either goes through the gateway's
 * unknown-fields rule (gateway.unknown-fields), as on chat completions.
 */
public final class MessagesRequest {
    /** Messages API fields translated for every provider. */
    private static final Set<String> TRANSLATED = Set.of("model", "messages", "system", "max_tokens", "temperature",
            "top_p", "stop_sequences", "tools", "tool_choice", "metadata", "stream");
    /** The gateway's own fields, as on chat completions: they never reach a provider. */
    static final Set<String> GATEWAY_FIELDS = Set.of("chain", "request_id", "session_id");
    /** Messages API fields no OpenAI-compatible provider can carry, and why. */
    private static final Map<String, String> UNSERVEABLE = Map.of(
            "thinking", "extended thinking has no equivalent on the OpenAI-compatible providers of a chain",
            "container", "code-execution containers run only on Anthropic's servers",
            "mcp_servers", "remote MCP servers are called only by Anthropic's servers",
            "context_management", "context editing runs only on Anthropic's servers",
            "output_format", "structured outputs (beta) are not translated by this gateway",
            "inference_geo", "data-residency routing is Anthropic's; a chain may fall back elsewhere");
    /** Anthropic content blocks a user turn may carry here. */
    private static final Set<String> USER_BLOCKS = Set.of("text", "image", "tool_result");

    private MessagesRequest() {
    }

    /** The OpenAI chat JSON of {@code body} (which is left unchanged). */
    public static ObjectNode toChat(JsonNode root) {
        if (!(root instanceof ObjectNode body)) {
            throw GatewayException.invalid(null, "Request body must be a JSON object");
        }
        ObjectNode out = Json.object();
        for (var it = body.fields(); it.hasNext();) {
            var field = it.next();
            String name = field.getKey();
            if (UNSERVEABLE.containsKey(name)) {
                throw unsupported(name, "'" + name + "' is not supported on this gateway: " + UNSERVEABLE.get(name));
            }
            if (GATEWAY_FIELDS.contains(name)) {
                out.set(name, field.getValue());
            } else if (!TRANSLATED.contains(name)) {
                if ("service_tier".equals(name) && "auto".equals(field.getValue().asText())) {
                    continue; // the default: nothing to carry
                }
                if ("service_tier".equals(name) || RequestParser.accepts(name)) {
                    // an OpenAI field of that name would mean something else on a chain's OpenAI providers
                    throw unsupported(name, "'" + name + "' is not a Messages API field this gateway serves");
                }
                // top_k and the like: no field of the chat chains, so refused, or dropped with gateway.unknown-fields=drop
                out.set(name, field.getValue());
            }
        }
        text(body, "model", true);
        out.put("model", body.get("model").asText());
        JsonNode maxTokens = body.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw GatewayException.invalid("max_tokens", "max_tokens: Field required");
        }
        if (!maxTokens.isIntegralNumber() || !maxTokens.canConvertToInt() || maxTokens.asInt() < 1) {
            throw GatewayException.invalid("max_tokens", "max_tokens: must be a positive integer");
        }
        out.put("max_tokens", maxTokens.asInt());
        ArrayNode messages = out.putArray("messages");
        system(body.get("system"), messages);
        turns(body.get("messages"), messages);
        number(body, out, "temperature", 0, 1);
        number(body, out, "top_p", 0, 1);
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw GatewayException.invalid("stop_sequences", "stop_sequences: must be an array of strings");
            }
            for (JsonNode s : stops) {
                if (!s.isTextual()) {
                    throw GatewayException.invalid("stop_sequences", "stop_sequences: must be an array of strings");
                }
            }
            out.set("stop", stops.deepCopy());
        }
        tools(body.get("tools"), out);
        toolChoice(body.get("tool_choice"), out);
        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isObject()) {
                throw GatewayException.invalid("metadata", "metadata: must be an object");
            }
            JsonNode user = metadata.get("user_id");
            if (user != null && !user.isNull()) {
                if (!user.isTextual()) {
                    throw GatewayException.invalid("metadata.user_id", "metadata.user_id: must be a string");
                }
                out.put("user", user.asText());
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull()) {
            out.set("stream", stream); // RequestParser checks it is a boolean
        }
        return out;
    }

    private static void system(JsonNode system, ArrayNode messages) {
        if (system == null || system.isNull()) {
            return;
        }
        if (system.isTextual()) {
            if (!system.asText().isEmpty()) {
                messages.addObject().put("role", "system").put("content", system.asText());
            }
            return;
        }
        if (!system.isArray()) {
            throw GatewayException.invalid("system", "system: must be a string or an array of text blocks");
        }
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            if (!"text".equals(block.path("type").asText()) || !block.path("text").isTextual()) {
                throw GatewayException.invalid("system[" + i + "]", "system[" + i + "]: must be a text block");
            }
            parts.addObject().put("type", "text").put("text", block.get("text").asText());
        }
        if (!parts.isEmpty()) {
            messages.addObject().put("role", "system").set("content", parts);
        }
    }

    private static void turns(JsonNode turns, ArrayNode messages) {
        if (turns == null || turns.isNull()) {
            throw GatewayException.invalid("messages", "messages: Field required");
        }
        if (!turns.isArray() || turns.isEmpty()) {
            throw GatewayException.invalid("messages", "messages: must be a non-empty array of messages");
        }
        for (int i = 0; i < turns.size(); i++) {
            JsonNode turn = turns.get(i);
            String at = "messages[" + i + "]";
            String role = turn.path("role").asText("");
            JsonNode content = turn.get("content");
            if (!"user".equals(role) && !"assistant".equals(role)) {
                throw GatewayException.invalid(at + ".role", at + ".role: must be 'user' or 'assistant'");
            }
            if (content == null || !(content.isTextual() || content.isArray())) {
                throw GatewayException.invalid(at + ".content", at + ".content: must be a string or an array of content blocks");
            }
            if ("assistant".equals(role)) {
                messages.add(assistant(content, at));
            } else if (content.isTextual()) {
                messages.addObject().put("role", "user").put("content", content.asText());
            } else {
                user(content, at, messages);
            }
        }
    }

    /** A user turn: its tool results become tool messages (first, as OpenAI needs them after the calls), the rest one user message. */
    private static void user(JsonNode blocks, String at, ArrayNode messages) {
        ArrayNode parts = Json.MAPPER.createArrayNode();
        for (int j = 0; j < blocks.size(); j++) {
            JsonNode block = blocks.get(j);
            String where = at + ".content[" + j + "]";
            String type = block.path("type").asText("");
            if (!USER_BLOCKS.contains(type)) {
                throw unsupported(where + ".type", where + ": content blocks of type '" + abbreviate(type)
                        + "' are not supported on this gateway (text, image, tool_result are)");
            }
            switch (type) {
                case "text" -> parts.addObject().put("type", "text").put("text", requireText(block, where));
                case "image" -> parts.add(image(block, where));
                default -> messages.add(toolResult(block, where));
            }
        }
        if (!parts.isEmpty()) {
            messages.addObject().put("role", "user").set("content", parts);
        }
    }

    private static ObjectNode toolResult(JsonNode block, String where) {
        String id = block.path("tool_use_id").asText("");
        if (id.isEmpty()) {
            throw GatewayException.invalid(where + ".tool_use_id", where + ".tool_use_id: Field required");
        }
        JsonNode content = block.get("content");
        StringBuilder text = new StringBuilder();
        if (content != null && content.isTextual()) {
            text.append(content.asText());
        } else if (content != null && content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                JsonNode part = content.get(k);
                if (!"text".equals(part.path("type").asText())) {
                    throw unsupported(where + ".content[" + k + "].type", where + ".content[" + k
                            + "]: a tool result may only carry text blocks on this gateway (OpenAI tool messages are text)");
                }
                text.append(requireText(part, where + ".content[" + k + "]"));
            }
        } else if (content != null && !content.isNull()) {
            throw GatewayException.invalid(where + ".content", where + ".content: must be a string or an array of text blocks");
        }
        // OpenAI tool messages have no error flag: the model reads it in the text (Anthropic providers get is_error)
        String result = block.path("is_error").asBoolean(false) ? "Error: " + text : text.toString();
        return Json.object().put("role", "tool").put("tool_call_id", id).put("content", result);
    }

    private static ObjectNode image(JsonNode block, String where) {
        JsonNode source = block.path("source");
        String url = switch (source.path("type").asText("")) {
            case "base64" -> {
                String media = source.path("media_type").asText("");
                String data = source.path("data").asText("");
                if (!media.startsWith("image/") || data.isEmpty()) {
                    throw GatewayException.invalid(where + ".source", where + ".source: a base64 image needs media_type image/* and data");
                }
                yield "data:" + media + ";base64," + data;
            }
            case "url" -> {
                String u = source.path("url").asText("");
                if (!u.startsWith("https://") && !u.startsWith("http://")) {
                    throw GatewayException.invalid(where + ".source.url", where + ".source.url: must be an http(s) URL");
                }
                yield u;
            }
            default -> throw unsupported(where + ".source.type", where
                    + ".source.type: images may be base64 or url on this gateway");
        };
        ObjectNode part = Json.object().put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    /** An assistant turn: its text, and its tool_use blocks as tool calls. */
    private static ObjectNode assistant(JsonNode content, String at) {
        ObjectNode message = Json.object().put("role", "assistant");
        if (content.isTextual()) {
            return message.put("content", content.asText());
        }
        StringBuilder text = new StringBuilder();
        ArrayNode calls = Json.MAPPER.createArrayNode();
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String where = at + ".content[" + j + "]";
            String type = block.path("type").asText("");
            if ("text".equals(type)) {
                text.append(requireText(block, where));
            } else if ("tool_use".equals(type)) {
                ObjectNode call = calls.addObject().put("id", block.path("id").asText("")).put("type", "function");
                try {
                    call.putObject("function").put("name", block.path("name").asText(""))
                            .put("arguments", Json.MAPPER.writeValueAsString(block.has("input") ? block.get("input") : Json.object()));
                } catch (JsonProcessingException e) {
                    throw GatewayException.invalid(where + ".input", where + ".input: not serialisable");
                }
            } else {
                throw unsupported(where + ".type", where + ": assistant content blocks of type '" + abbreviate(type)
                        + "' are not supported on this gateway (text, tool_use are)");
            }
        }
        if (calls.isEmpty()) {
            message.put("content", text.toString());
        } else {
            if (text.isEmpty()) {
                message.putNull("content");
            } else {
                message.put("content", text.toString());
            }
            message.set("tool_calls", calls);
        }
        return message;
    }

    private static void tools(JsonNode tools, ObjectNode out) {
        if (tools == null || tools.isNull()) {
            return;
        }
        if (!tools.isArray()) {
            throw GatewayException.invalid("tools", "tools: must be an array");
        }
        ArrayNode mapped = out.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String at = "tools[" + i + "]";
            String type = tool.path("type").asText("custom");
            if (!"custom".equals(type)) {
                // web_search_*, bash_*, text_editor_*, computer_*, code_execution_*: run by Anthropic's servers
                throw unsupported(at + ".type", at + ": server tool '" + abbreviate(type)
                        + "' is not supported on this gateway; only custom tools (name, description, input_schema) are");
            }
            String name = tool.path("name").asText("");
            if (name.isEmpty()) {
                throw GatewayException.invalid(at + ".name", at + ".name: Field required");
            }
            JsonNode schema = tool.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw GatewayException.invalid(at + ".input_schema", at + ".input_schema: Field required (a JSON schema object)");
            }
            ObjectNode function = mapped.addObject().put("type", "function").putObject("function").put("name", name);
            if (tool.hasNonNull("description")) {
                function.put("description", tool.get("description").asText());
            }
            function.set("parameters", schema.deepCopy());
        }
    }

    private static void toolChoice(JsonNode choice, ObjectNode out) {
        if (choice == null || choice.isNull()) {
            return;
        }
        switch (choice.path("type").asText("")) {
            case "auto" -> out.put("tool_choice", "auto");
            case "any" -> out.put("tool_choice", "required");
            case "none" -> out.put("tool_choice", "none");
            case "tool" -> {
                String name = choice.path("name").asText("");
                if (name.isEmpty()) {
                    throw GatewayException.invalid("tool_choice.name", "tool_choice.name: Field required for type 'tool'");
                }
                out.putObject("tool_choice").put("type", "function").putObject("function").put("name", name);
            }
            default -> throw GatewayException.invalid("tool_choice.type", "tool_choice.type: must be auto, any, tool or none");
        }
        if (choice.path("disable_parallel_tool_use").asBoolean(false) && !"none".equals(choice.path("type").asText())) {
            out.put("parallel_tool_calls", false);
        }
    }

    private static void number(ObjectNode body, ObjectNode out, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw GatewayException.invalid(field, field + ": must be a number from " + min + " to " + max);
        }
        out.set(field, v);
    }

    private static String text(ObjectNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw GatewayException.invalid(field, field + ": Field required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayException.invalid(field, field + ": must be a string");
        }
        return v.asText();
    }

    private static String requireText(JsonNode block, String where) {
        if (!block.path("text").isTextual()) {
            throw GatewayException.invalid(where + ".text", where + ".text: Field required");
        }
        return block.get("text").asText();
    }

    private static GatewayException unsupported(String param, String message) {
        return new GatewayException(400, "invalid_request_error", "unsupported_parameter", param, message);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

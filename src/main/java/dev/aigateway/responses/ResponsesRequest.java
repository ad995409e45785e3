package dev.aigateway.responses;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.api.RequestParser;

/**
 * A Responses API request body ({@code POST /v1/responses}) as the OpenAI chat request the chains run.
 * Stateless: everything the answer needs is in the request, so what needs stored state on the server
 * ({@code previous_response_id}, {@code conversation}, prompt templates, item references) and the built-in
 * tools OpenAI runs itself are refused with 400 {@code unsupported_parameter} naming the field. Fields of
 * neither API go on to {@link RequestParser}, which applies gateway.unknown-fields to them as to chat.
 */
final class ResponsesRequest {
    /** Gateway fields, read by RequestParser as in a chat request. */
    private static final Set<String> GATEWAY_FIELDS = Set.of("chain", "request_id", "session_id", "require_expensive_model");
    /** Responses fields with the same name and meaning in chat. */
    private static final Set<String> SAME_IN_CHAT = Set.of("model", "temperature", "top_p", "parallel_tool_calls",
            "user", "service_tier", "safety_identifier", "prompt_cache_key");
    /** Responses fields that need state or services this gateway does not have, and why. */
    private static final Map<String, String> STATEFUL = Map.of(
            "previous_response_id", "this gateway stores no responses: send the whole conversation in 'input'",
            "conversation", "this gateway stores no conversations: send the whole conversation in 'input'",
            "prompt", "prompt templates are stored on OpenAI's side: send the text in 'instructions' and 'input'",
            "background", "background responses need stored responses; this gateway answers while you wait",
            "include", "no extra output data (search results, logprobs, encrypted reasoning) is available here",
            "reasoning", "reasoning settings are not translated to the chat chains",
            "max_tool_calls", "built-in tools are not served, and function calls are never run by the gateway",
            "top_logprobs", "logprobs are not returned by this gateway's Responses API");
    private static final Set<String> ROLES = Set.of("user", "assistant", "system", "developer");

    private ResponsesRequest() {
    }

    /** The chat request for {@code body}; a 400 naming the field for what cannot be served. */
    static ObjectNode toChat(JsonNode root) {
        if (!(root instanceof ObjectNode body)) {
            throw GatewayException.invalid(null, "Request body must be a JSON object");
        }
        ObjectNode chat = Json.object();
        ArrayNode messages = Json.MAPPER.createArrayNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (STATEFUL.containsKey(name)) {
                if (!v.isNull() && !(v.isBoolean() && !v.asBoolean()) && !(v.isArray() && v.isEmpty())) {
                    throw unsupported(name, "'" + name + "' is not supported: " + STATEFUL.get(name));
                }
            } else if (GATEWAY_FIELDS.contains(name) || SAME_IN_CHAT.contains(name)) {
                chat.set(name, v);
            } else if (name.equals("stream")) {
                chat.set("stream", v);
            } else if (name.equals("max_output_tokens")) {
                chat.set("max_tokens", v);
            } else if (name.equals("store")) {
                // nothing is stored either way (docs/responses.md): true, OpenAI's default, is accepted and answered store: false
                if (!v.isNull() && !v.isBoolean()) {
                    throw GatewayException.invalid("store", "'store' must be true or false");
                }
            } else if (name.equals("metadata")) {
                metadata(v); // echoed by OpenAI, never sent to a chat provider (OpenAI refuses it without store)
            } else if (name.equals("truncation")) {
                if (!v.isNull() && !"disabled".equals(v.asText(null))) {
                    throw unsupported("truncation", "'truncation' may only be disabled: the gateway does not cut a conversation to fit");
                }
            } else if (name.equals("tools")) {
                chat.set("tools", tools(v));
            } else if (name.equals("tool_choice")) {
                chat.set("tool_choice", toolChoice(v));
            } else if (name.equals("text")) {
                text(v, chat);
            } else if (name.equals("input") || name.equals("instructions")) {
                // below: instructions come first whatever the field order
            } else if (RequestParser.accepts(name)) {
                throw unsupported(name, "'" + name + "' is a chat completions field, not one of the Responses API"
                        + (name.equals("max_tokens") || name.equals("max_completion_tokens") ? " (use max_output_tokens)"
                                : name.equals("messages") ? " (use input)" : name.equals("response_format") ? " (use text.format)" : ""));
            } else {
                chat.set(name, v); // unknown to both APIs: RequestParser applies gateway.unknown-fields
            }
        }
        JsonNode instructions = body.get("instructions");
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isTextual()) {
                throw GatewayException.invalid("instructions", "'instructions' must be a string");
            }
            messages.addObject().put("role", "system").put("content", instructions.asText());
        }
        input(body.get("input"), messages);
        chat.set("messages", messages);
        return chat;
    }

    private static void input(JsonNode input, ArrayNode messages) {
        if (input == null || input.isNull()) {
            throw GatewayException.invalid("input", "'input' is required: a string, or a list of input items");
        }
        if (input.isTextual()) {
            messages.addObject().put("role", "user").put("content", input.asText());
            return;
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayException.invalid("input", "'input' must be a string or a non-empty list of input items");
        }
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                throw GatewayException.invalid(at, at + " must be an object");
            }
            String type = item.path("type").asText(item.has("role") ? "message" : "");
            switch (type) {
                case "message" -> messages.add(message(item, at));
                case "function_call" -> functionCall(item, at, messages);
                case "function_call_output" -> messages.addObject().put("role", "tool")
                        .put("tool_call_id", text(item, "call_id", at)).put("content", toolOutput(item.get("output"), at + ".output"));
                default -> throw unsupported(at + ".type", "Input items of type '" + abbreviate(type) + "' are not supported"
                        + " on this gateway: send message, function_call and function_call_output items"
                        + (type.equals("item_reference") ? " (nothing is stored to refer to)" : ""));
            }
        }
    }

    private static ObjectNode message(JsonNode item, String at) {
        String role = item.path("role").asText("");
        if (!ROLES.contains(role)) {
            throw GatewayException.invalid(at + ".role", at + ".role must be one of " + ROLES);
        }
        ObjectNode m = Json.object().put("role", role);
        JsonNode content = item.get("content");
        if (content != null && content.isTextual()) {
            return m.put("content", content.asText());
        }
        if (content == null || !content.isArray()) {
            throw GatewayException.invalid(at + ".content", at + ".content must be a string or a list of content parts");
        }
        ArrayNode parts = Json.MAPPER.createArrayNode();
        StringBuilder text = new StringBuilder();
        boolean image = false;
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pat = at + ".content[" + j + "]";
            String type = part.path("type").asText("");
            switch (type) {
                case "input_text", "output_text" -> {
                    String t = text(part, "text", pat);
                    parts.addObject().put("type", "text").put("text", t);
                    text.append(t);
                }
                case "refusal" -> {
                    String t = text(part, "refusal", pat);
                    parts.addObject().put("type", "text").put("text", t);
                    text.append(t);
                }
                case "input_image" -> {
                    if (!part.path("image_url").isTextual()) {
                        throw unsupported(pat + (part.has("file_id") ? ".file_id" : ".image_url"), pat
                                + ": images are sent as image_url (an https URL or a base64 data URL); uploaded files are not served");
                    }
                    ObjectNode url = parts.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", part.get("image_url").asText());
                    if (part.path("detail").isTextual()) {
                        url.put("detail", part.get("detail").asText());
                    }
                    image = true;
                }
                default -> throw unsupported(pat + ".type", "Content parts of type '" + abbreviate(type)
                        + "' are not supported on this gateway: send input_text, output_text or input_image");
            }
        }
        if (image && !role.equals("user")) {
            throw GatewayException.invalid(at + ".content", "images may only be sent in user messages");
        }
        // only user turns carry parts (images); the other roles are plain text on every provider
        return image ? m.set("content", parts) : m.put("content", text.toString());
    }

    /** An assistant's function call: joins the assistant message just before it (parallel calls, text + calls). */
    private static void functionCall(JsonNode item, String at, ArrayNode messages) {
        String args = item.path("arguments").isTextual() ? item.get("arguments").asText() : null;
        if (args == null) {
            throw GatewayException.invalid(at + ".arguments", at + ".arguments must be a string (the JSON arguments)");
        }
        ObjectNode last = messages.isEmpty() ? null : (ObjectNode) messages.get(messages.size() - 1);
        ObjectNode assistant = last != null && "assistant".equals(last.path("role").asText()) ? last : null;
        if (assistant == null) {
            assistant = messages.addObject().put("role", "assistant").putNull("content");
        }
        ArrayNode calls = assistant.has("tool_calls") ? (ArrayNode) assistant.get("tool_calls") : assistant.putArray("tool_calls");
        ObjectNode call = calls.addObject().put("id", text(item, "call_id", at)).put("type", "function");
        call.putObject("function").put("name", text(item, "name", at)).put("arguments", args);
    }

    private static String toolOutput(JsonNode output, String at) {
        if (output != null && output.isTextual()) {
            return output.asText();
        }
        if (output == null || !output.isArray()) {
            throw GatewayException.invalid(at, at + " must be a string or a list of input_text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < output.size(); j++) {
            JsonNode part = output.get(j);
            if (!"input_text".equals(part.path("type").asText())) {
                throw unsupported(at + "[" + j + "].type", "function_call_output parts may only be input_text on this gateway");
            }
            text.append(text(part, "text", at + "[" + j + "]"));
        }
        return text.toString();
    }

    /** Function tools in chat's shape; any other tool type (OpenAI's built-in tools) is refused by its index. */
    private static ArrayNode tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw GatewayException.invalid("tools", "'tools' must be a list of tools");
        }
        ArrayNode chat = Json.MAPPER.createArrayNode();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            String at = "tools[" + i + "]";
            String type = t.path("type").asText("");
            if (!type.equals("function")) {
                throw unsupported(at + ".type", "Tools of type '" + abbreviate(type) + "' are not supported on this gateway:"
                        + " only function tools (the built-in tools run on OpenAI's side)");
            }
            ObjectNode function = chat.addObject().put("type", "function").putObject("function")
                    .put("name", text(t, "name", at));
            for (String f : new String[] { "description", "parameters", "strict" }) {
                if (t.hasNonNull(f)) {
                    function.set(f, t.get(f));
                }
            }
        }
        return chat;
    }

    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isNull() || choice.isTextual() && Set.of("auto", "none", "required").contains(choice.asText())) {
            return choice;
        }
        if ("function".equals(choice.path("type").asText()) && choice.path("name").isTextual()) {
            ObjectNode chat = Json.object().put("type", "function");
            chat.putObject("function").put("name", choice.get("name").asText());
            return chat;
        }
        throw unsupported("tool_choice", "'tool_choice' may be auto, none, required or {\"type\": \"function\", \"name\": ...}"
                + " on this gateway");
    }

    /** {@code text.format} as chat's response_format; {@code text.verbosity} as chat's verbosity. */
    private static void text(JsonNode text, ObjectNode chat) {
        if (text.isNull()) {
            return;
        }
        JsonNode format = text.path("format");
        String type = format.path("type").asText("text");
        switch (type) {
            case "text" -> {
            }
            case "json_object" -> chat.putObject("response_format").put("type", "json_object");
            case "json_schema" -> {
                ObjectNode schema = chat.putObject("response_format").put("type", "json_schema").putObject("json_schema");
                for (String f : new String[] { "name", "description", "schema", "strict" }) {
                    if (format.hasNonNull(f)) {
                        schema.set(f, format.get(f));
                    }
                }
            }
            default -> throw unsupported("text.format.type", "'text.format.type' may be text, json_object or json_schema");
        }
        if (text.hasNonNull("verbosity")) {
            chat.set("verbosity", text.get("verbosity"));
        }
    }

    private static void metadata(JsonNode v) {
        if (v.isNull()) {
            return;
        }
        if (!v.isObject() || v.size() > 16) {
            throw GatewayException.invalid("metadata", "'metadata' must be an object of at most 16 string values");
        }
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual() || e.getKey().length() > 64 || e.getValue().asText().length() > 512) {
                throw GatewayException.invalid("metadata", "'metadata' values must be strings (keys up to 64, values up to 512 characters)");
            }
        });
    }

    private static String text(JsonNode node, String field, String at) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw GatewayException.invalid(at + "." + field, at + "." + field + " must be a string");
        }
        return v.asText();
    }

    private static GatewayException unsupported(String param, String message) {
        return new GatewayException(400, "invalid_request_error", "unsupported_parameter", param, message);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

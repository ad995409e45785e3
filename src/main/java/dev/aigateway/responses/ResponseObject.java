package dev.aigateway.responses;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.Json;

/**
 * The Responses API's {@code response} object, built from the chat side: its shell (id, status, the request's
 * parameters in Responses form), its output items and usage. Shared by the whole answer ({@link ResponsesApi})
 * and the stream ({@link ResponsesSse}), so both say the same thing. {@code output_text} is left to the SDKs,
 * which derive it from the output items (OpenAI's own API does not send it either).
 */
final class ResponseObject {
    private ResponseObject() {
    }

    /** A new response id; items get ids with the same suffix. */
    static String newId() {
        return "resp_" + UUID.randomUUID().toString().replace("-", "");
    }

    /** A stable response id for a chat completion (an idempotent replay gets the id of the first answer). */
    static String idOf(String completionId) {
        String suffix = completionId == null ? "" : completionId.replaceFirst("^chatcmpl-", "").replaceAll("[^A-Za-z0-9]", "");
        return suffix.isEmpty() ? newId() : "resp_" + suffix;
    }

    /** The response before any output: status {@code in_progress}, the request's parameters echoed. */
    static ObjectNode shell(String id, long createdAt, String model, ChatRequest request) {
        ObjectNode body = request.body();
        ObjectNode r = Json.object().put("id", id).put("object", "response").put("created_at", createdAt)
                .put("status", "in_progress").putNull("error").putNull("incomplete_details").put("model", model);
        r.putArray("output");
        r.put("parallel_tool_calls", body.path("parallel_tool_calls").asBoolean(true));
        r.set("temperature", body.hasNonNull("temperature") ? body.get("temperature") : null);
        r.set("top_p", body.hasNonNull("top_p") ? body.get("top_p") : null);
        r.set("max_output_tokens", body.hasNonNull("max_tokens") ? body.get("max_tokens") : null);
        r.set("tool_choice", toolChoice(body.get("tool_choice")));
        ArrayNode tools = r.putArray("tools");
        for (JsonNode t : body.path("tools")) {
            JsonNode f = t.path("function");
            ObjectNode tool = tools.addObject().put("type", "function").put("name", f.path("name").asText());
            tool.set("description", f.hasNonNull("description") ? f.get("description") : null);
            tool.set("parameters", f.hasNonNull("parameters") ? f.get("parameters") : null);
            tool.set("strict", f.hasNonNull("strict") ? f.get("strict") : null);
        }
        r.put("store", false); // nothing is kept: the id cannot be retrieved or continued from
        r.putNull("usage");
        return r;
    }

    /** Completed, or incomplete with OpenAI's reason for a chat finish_reason of length / content_filter. */
    static void finish(ObjectNode response, String finishReason) {
        String reason = "length".equals(finishReason) ? "max_output_tokens"
                : "content_filter".equals(finishReason) ? "content_filter" : null;
        response.put("status", reason == null ? "completed" : "incomplete");
        if (reason != null) {
            response.putObject("incomplete_details").put("reason", reason);
        }
    }

    /** A message item with one output_text part. */
    static ObjectNode message(String id, String text, String status) {
        ObjectNode item = Json.object().put("id", id).put("type", "message").put("status", status).put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) {
            content.add(outputText(text));
        }
        return item;
    }

    static ObjectNode outputText(String text) {
        ObjectNode part = Json.object().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    static ObjectNode functionCall(String id, String callId, String name, String arguments, String status) {
        return Json.object().put("id", id).put("type", "function_call").put("status", status).put("call_id", callId)
                .put("name", name).put("arguments", arguments);
    }

    /** Usage in Responses terms, from a chat usage object. */
    static ObjectNode usage(JsonNode chat) {
        long in = chat.path("prompt_tokens").asLong();
        long out = chat.path("completion_tokens").asLong();
        ObjectNode u = Json.object().put("input_tokens", in);
        u.putObject("input_tokens_details").put("cached_tokens", chat.path("prompt_tokens_details").path("cached_tokens").asLong());
        u.put("output_tokens", out);
        u.putObject("output_tokens_details").put("reasoning_tokens",
                chat.path("completion_tokens_details").path("reasoning_tokens").asLong());
        u.put("total_tokens", chat.has("total_tokens") ? chat.path("total_tokens").asLong() : in + out);
        return u;
    }

    /** The id suffix of a response id, for its items ({@code msg_<suffix>_0}). */
    static String suffix(String responseId) {
        return responseId.substring("resp_".length());
    }

    private static JsonNode toolChoice(JsonNode chat) {
        if (chat == null || chat.isNull()) {
            return Json.MAPPER.getNodeFactory().textNode("auto");
        }
        if (chat.isObject()) {
            return Json.object().put("type", "function").put("name", chat.path("function").path("name").asText());
        }
        return chat;
    }
}

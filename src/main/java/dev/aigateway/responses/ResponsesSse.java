package dev.aigateway.responses;

import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.Json;
import dev.aigateway.stream.ChatChunkSse;
import dev.aigateway.stream.SseDialect;

/**
 * The Responses API's stream: {@code response.created}, {@code response.in_progress}, then per output item
 * {@code output_item.added}, its content ({@code content_part.added}, {@code output_text.delta}… or
 * {@code function_call_arguments.delta}…) and its {@code .done} events, and last {@code response.completed}
 * ({@code response.incomplete} when cut by max_output_tokens or a content filter, {@code response.failed}
 * then {@code error} when the answer broke). Every event has {@code event:} and a {@code sequence_number}
 * from 0. The chunks of a mid-stream continuation simply go on: the client sees one item. A restart closes
 * the items written so far and leaves them out of the final response. One instance per request.
 */
final class ResponsesSse implements SseDialect {
    private final ChatRequest request;
    private final ArrayNode output = Json.MAPPER.createArrayNode();
    private ObjectNode response;
    private int sequence;
    private int nextIndex;
    /** The open message item, or null. */
    private Item message;
    /** The open function_call item, or null; {@code chatIndex} is its tool_calls index in the chat chunks. */
    private Item call;

    ResponsesSse(ChatRequest request) {
        this.request = request;
    }

    /** One output item being written. */
    private static final class Item {
        final String id;
        final int index;
        final StringBuilder text = new StringBuilder();
        int chatIndex;
        String callId;
        String name;

        Item(String id, int index) {
            this.id = id;
            this.index = index;
        }
    }

    @Override
    public void chunk(ObjectNode chunk, Consumer<byte[]> out) {
        begin(chunk, out);
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        String text = delta.path("content").isTextual() ? delta.get("content").asText() : "";
        if (delta.path("refusal").isTextual()) {
            text += delta.get("refusal").asText();
        }
        if (!text.isEmpty()) {
            text(text, out);
        }
        for (JsonNode tc : delta.path("tool_calls")) {
            toolCall(tc, out);
        }
    }

    @Override
    public void restart(ObjectNode marker, Consumer<byte[]> out) {
        // what was written is void: its items are closed (the SDKs need every item done) and left out of the answer
        close("incomplete", out);
        output.removeAll();
    }

    @Override
    public void end(ObjectNode finish, ObjectNode usage, Consumer<byte[]> out) {
        begin(finish, out);
        ResponseObject.finish(response, finish.path("choices").path(0).path("finish_reason").asText("stop"));
        boolean completed = "completed".equals(response.path("status").asText());
        close(completed ? "completed" : "incomplete", out);
        response.set("output", output);
        if (!finish.path("model").asText("").isEmpty()) {
            response.put("model", finish.get("model").asText()); // who finished the answer
        }
        if (usage != null) {
            response.set("usage", ResponseObject.usage(usage.path("usage")));
        }
        if (finish.has("gateway")) {
            response.set("gateway", finish.get("gateway"));
        }
        emit(completed ? "response.completed" : "response.incomplete", Json.object().set("response", response), out);
    }

    /** {@code response.failed} with the error, then the {@code error} event the SDKs raise as an APIError. */
    @Override
    public void fail(ObjectNode errorBody, Consumer<byte[]> out) {
        begin(null, out);
        close("incomplete", out);
        JsonNode error = errorBody.path("error");
        response.put("status", "failed").set("output", output);
        response.putObject("error").put("code", error.path("code").asText("server_error"))
                .put("message", error.path("message").asText(""));
        emit("response.failed", Json.object().set("response", response), out);
        ObjectNode event = Json.object().set("code", error.get("code"));
        event.set("message", error.get("message"));
        event.set("param", error.get("param"));
        event.set("error", error);
        emit("error", event, out);
    }

    /** response.created and response.in_progress, once, before anything else. */
    private void begin(ObjectNode chunk, Consumer<byte[]> out) {
        if (response != null) {
            return;
        }
        long created = chunk != null && chunk.path("created").asLong() > 0 ? chunk.get("created").asLong()
                : System.currentTimeMillis() / 1000;
        response = ResponseObject.shell(ResponseObject.newId(), created, request.body().path("model").asText(""), request);
        emit("response.created", Json.object().set("response", response.deepCopy()), out);
        emit("response.in_progress", Json.object().set("response", response.deepCopy()), out);
    }

    private void text(String delta, Consumer<byte[]> out) {
        closeCall("completed", out);
        if (message == null) {
            message = new Item("msg_" + ResponseObject.suffix(response.get("id").asText()) + "_" + nextIndex, nextIndex++);
            emit("response.output_item.added", Json.object().put("output_index", message.index)
                    .set("item", ResponseObject.message(message.id, null, "in_progress")), out);
            emit("response.content_part.added", part(message).set("part", ResponseObject.outputText("")), out);
        }
        ObjectNode event = part(message).put("delta", delta);
        event.putArray("logprobs");
        emit("response.output_text.delta", event, out);
        message.text.append(delta);
    }

    private void toolCall(JsonNode tc, Consumer<byte[]> out) {
        int chatIndex = tc.path("index").asInt(0);
        if (call != null && call.chatIndex != chatIndex) {
            closeCall("completed", out); // the chat stream moved on to the next parallel call
        }
        closeMessage("completed", out);
        JsonNode f = tc.path("function");
        if (call == null) {
            String callId = tc.path("id").asText("");
            if (callId.isEmpty()) {
                callId = "call_" + ResponseObject.suffix(response.get("id").asText()) + "_" + nextIndex;
            }
            call = new Item("fc_" + callId, nextIndex++);
            call.chatIndex = chatIndex;
            call.callId = callId;
            call.name = f.path("name").asText("");
            emit("response.output_item.added", Json.object().put("output_index", call.index)
                    .set("item", ResponseObject.functionCall(call.id, call.callId, call.name, "", "in_progress")), out);
        }
        String args = f.path("arguments").asText("");
        if (!args.isEmpty()) {
            emit("response.function_call_arguments.delta", Json.object().put("item_id", call.id)
                    .put("output_index", call.index).put("delta", args), out);
            call.text.append(args);
        }
    }

    private void close(String status, Consumer<byte[]> out) {
        closeMessage(status, out);
        closeCall(status, out);
    }

    private void closeMessage(String status, Consumer<byte[]> out) {
        if (message == null) {
            return;
        }
        Item m = message;
        message = null;
        String text = m.text.toString();
        ObjectNode done = part(m).put("text", text);
        done.putArray("logprobs");
        emit("response.output_text.done", done, out);
        emit("response.content_part.done", part(m).set("part", ResponseObject.outputText(text)), out);
        ObjectNode item = ResponseObject.message(m.id, text, status);
        emit("response.output_item.done", Json.object().put("output_index", m.index).set("item", item), out);
        output.add(item);
    }

    private void closeCall(String status, Consumer<byte[]> out) {
        if (call == null) {
            return;
        }
        Item c = call;
        call = null;
        String args = c.text.toString();
        emit("response.function_call_arguments.done", Json.object().put("item_id", c.id).put("output_index", c.index)
                .put("name", c.name).put("arguments", args), out);
        ObjectNode item = ResponseObject.functionCall(c.id, c.callId, c.name, args, status);
        emit("response.output_item.done", Json.object().put("output_index", c.index).set("item", item), out);
        output.add(item);
    }

    private static ObjectNode part(Item item) {
        return Json.object().put("item_id", item.id).put("output_index", item.index).put("content_index", 0);
    }

    /** One event: {@code event: <type>} and its data, which starts with its type and sequence number. */
    private void emit(String type, ObjectNode fields, Consumer<byte[]> out) {
        ObjectNode event = Json.object().put("type", type).put("sequence_number", sequence++);
        event.setAll(fields);
        out.accept(ChatChunkSse.frame(type, event));
    }
}

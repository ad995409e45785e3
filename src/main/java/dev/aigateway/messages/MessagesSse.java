package dev.aigateway.messages;

import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;
import dev.aigateway.stream.ChatChunkSse;
import dev.aigateway.stream.SseDialect;

/**
 * Anthropic's stream events from the chains' OpenAI chunks: {@code message_start}, per content block
 * {@code content_block_start}, {@code content_block_delta} ({@code text_delta}, {@code input_json_delta}) and
 * {@code content_block_stop}, then {@code message_delta} (stop_reason, usage, and the gateway object) and
 * {@code message_stop}; an error after the start is {@code event: error}. A continuation by another provider
 * carries on in the open text block, so the client sees one message. One instance per stream.
 */
public final class MessagesSse implements SseDialect {
    private boolean started;
    /** Index of the open content block, -1 when none is open. */
    private int open = -1;
    private boolean openIsText;
    /** The OpenAI index of the tool call the open block carries. */
    private int openToolCall = -1;
    private int blocks;

    @Override
    public void chunk(ObjectNode chunk, Consumer<byte[]> out) {
        start(chunk, out);
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        String text = delta.path("content").asText("");
        if (!text.isEmpty()) {
            if (open < 0 || !openIsText) {
                ObjectNode block = Json.object().put("type", "text").put("text", "");
                startBlock(block, true, -1, out);
            }
            ObjectNode d = Json.object().put("type", "text_delta").put("text", text);
            out.accept(event("content_block_delta", Json.object().put("type", "content_block_delta").put("index", open), d));
        }
        for (JsonNode call : delta.path("tool_calls")) {
            int index = call.path("index").asInt(0);
            if (open < 0 || openIsText || index != openToolCall) {
                ObjectNode block = Json.object().put("type", "tool_use").put("id", call.path("id").asText(""))
                        .put("name", call.path("function").path("name").asText(""));
                block.putObject("input");
                startBlock(block, false, index, out);
            }
            String args = call.path("function").path("arguments").asText("");
            if (!args.isEmpty()) {
                ObjectNode d = Json.object().put("type", "input_json_delta").put("partial_json", args);
                out.accept(event("content_block_delta", Json.object().put("type", "content_block_delta").put("index", open), d));
            }
        }
    }

    /**
     * Messages has no way to void what was sent: the open block is closed (the restarted answer comes in a new
     * one) and a {@code ping} (which the SDKs skip) carries the gateway's restart marker for readers of raw events.
     */
    @Override
    public void restart(ObjectNode marker, Consumer<byte[]> out) {
        closeBlock(out);
        ObjectNode ping = Json.object().put("type", "ping");
        if (marker != null && marker.has("gateway")) {
            ping.set("gateway", marker.get("gateway"));
        }
        out.accept(ChatChunkSse.frame("ping", ping));
    }

    @Override
    public void end(ObjectNode finish, ObjectNode usage, Consumer<byte[]> out) {
        start(finish, out);
        closeBlock(out);
        ObjectNode delta = Json.object().put("type", "message_delta");
        delta.putObject("delta").put("stop_reason", MessagesApi.stopReason(
                finish.path("choices").path(0).path("finish_reason").asText(null))).putNull("stop_sequence");
        JsonNode u = usage == null ? Json.object() : usage.path("usage");
        delta.putObject("usage").put("input_tokens", u.path("prompt_tokens").asLong(0))
                .put("output_tokens", u.path("completion_tokens").asLong(0));
        if (finish.has("gateway")) {
            delta.set("gateway", finish.get("gateway"));
        }
        out.accept(ChatChunkSse.frame("message_delta", delta));
        out.accept(ChatChunkSse.frame("message_stop", Json.object().put("type", "message_stop")));
    }

    @Override
    public void fail(ObjectNode errorBody, Consumer<byte[]> out) {
        out.accept(ChatChunkSse.frame("error", MessagesErrors.of(errorBody, 0)));
    }

    /** message_start, once, before anything else (input tokens are known only at the end: message_delta has them). */
    private void start(ObjectNode chunk, Consumer<byte[]> out) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode message = Json.object().put("id", MessagesApi.messageId(chunk.path("id").asText("")))
                .put("type", "message").put("role", "assistant").put("model", chunk.path("model").asText(""));
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        ObjectNode event = Json.object().put("type", "message_start");
        event.set("message", message);
        out.accept(ChatChunkSse.frame("message_start", event));
    }

    private void startBlock(ObjectNode block, boolean text, int toolCall, Consumer<byte[]> out) {
        closeBlock(out);
        open = blocks++;
        openIsText = text;
        openToolCall = toolCall;
        ObjectNode event = Json.object().put("type", "content_block_start").put("index", open);
        event.set("content_block", block);
        out.accept(ChatChunkSse.frame("content_block_start", event));
    }

    private void closeBlock(Consumer<byte[]> out) {
        if (open >= 0) {
            out.accept(ChatChunkSse.frame("content_block_stop", Json.object().put("type", "content_block_stop").put("index", open)));
            open = -1;
        }
    }

    private static byte[] event(String name, ObjectNode event, ObjectNode delta) {
        event.set("delta", delta);
        return ChatChunkSse.frame(name, event);
    }
}

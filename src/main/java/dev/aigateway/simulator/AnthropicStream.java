package dev.aigateway.simulator;

import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Anthropic Messages stream events ({@code event: <name>\ndata: <json>}), shaped like fixtures/anthropic:
 * message_start, content_block_start, ping, deltas, content_block_stop, message_delta, message_stop.
 * One content block: the text, or the tool_use block.
 */
final class AnthropicStream implements SseFormat {
    private final SimulatedAnswer answer;
    private final String model;
    private final ProviderSimulator.Usage usage;

    AnthropicStream(SimulatedAnswer answer, String model, ProviderSimulator.Usage usage) {
        this.answer = answer;
        this.model = model;
        this.usage = usage;
    }

    @Override
    public String opening() {
        ObjectNode start = Json.object().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", "msg_sim" + Long.toHexString(ThreadLocalRandom.current().nextLong())).put("type", "message")
                .put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason").putNull("stop_sequence");
        // message_start already reports one output token, as the real API does
        message.putObject("usage").put("input_tokens", usage.prompt()).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0).put("output_tokens", 1);
        ObjectNode blockStart = Json.object().put("type", "content_block_start").put("index", 0);
        if (answer.toolCall()) {
            blockStart.putObject("content_block").put("type", "tool_use").put("id", answer.toolId(true))
                    .put("name", answer.toolName()).putObject("input");
        } else {
            blockStart.putObject("content_block").put("type", "text").put("text", "");
        }
        return event("message_start", start) + event("content_block_start", blockStart)
                + event("ping", Json.object().put("type", "ping"));
    }

    @Override
    public String piece(String piece) {
        ObjectNode delta = Json.object().put("type", "content_block_delta").put("index", 0);
        if (answer.toolCall()) {
            delta.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
        } else {
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
        }
        return event("content_block_delta", delta);
    }

    @Override
    public String closing() {
        ObjectNode messageDelta = Json.object().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", answer.toolCall() ? "tool_use" : "end_turn")
                .putNull("stop_sequence");
        // cumulative: the whole answer's output tokens (input_tokens came in message_start)
        messageDelta.putObject("usage").put("output_tokens", usage.completion());
        return event("content_block_stop", Json.object().put("type", "content_block_stop").put("index", 0))
                + event("message_delta", messageDelta) + event("message_stop", Json.object().put("type", "message_stop"));
    }

    @Override
    public String malformed() {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":tru\n\n";
    }

    @Override
    public String errorEvent() {
        ObjectNode error = Json.object().put("type", "error");
        error.putObject("error").put("type", "overloaded_error").put("message", "Overloaded (simulated)");
        return event("error", error);
    }

    private static String event(String name, ObjectNode data) {
        try {
            return "event: " + name + "\ndata: " + Json.MAPPER.writeValueAsString(data) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

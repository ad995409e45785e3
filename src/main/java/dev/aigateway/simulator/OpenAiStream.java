package dev.aigateway.simulator;

import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * OpenAI chat.completion.chunk frames ({@code data: <json>}), shaped like the recorded streams in
 * fixtures/openai: role chunk, deltas, finish chunk with {@code delta:{}}, optional usage chunk with
 * {@code choices:[]}, {@code data: [DONE]}.
 */
final class OpenAiStream implements SseFormat {
    private final SimulatedAnswer answer;
    private final String model;
    private final ProviderSimulator.Usage usage;
    private final boolean includeUsage;
    private final String id = "chatcmpl-sim" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    private final long created = Instant.now().getEpochSecond();

    OpenAiStream(SimulatedAnswer answer, String model, ProviderSimulator.Usage usage, boolean includeUsage) {
        this.answer = answer;
        this.model = model;
        this.usage = usage;
        this.includeUsage = includeUsage;
    }

    @Override
    public String opening() {
        ObjectNode role = Json.object().put("role", "assistant");
        if (!answer.toolCall()) {
            return frame(chunk(role.put("content", ""), null));
        }
        // as the recorded tool-call streams: content null, then the call's id and name with empty arguments
        ObjectNode call = Json.object().put("index", 0).put("id", answer.toolId(false)).put("type", "function");
        call.putObject("function").put("name", answer.toolName()).put("arguments", "");
        ObjectNode head = Json.object();
        head.putArray("tool_calls").add(call);
        return frame(chunk(role.putNull("content"), null)) + frame(chunk(head, null));
    }

    @Override
    public String piece(String piece) {
        ObjectNode delta = Json.object();
        if (answer.toolCall()) {
            delta.putArray("tool_calls").addObject().put("index", 0).putObject("function").put("arguments", piece);
        } else {
            delta.put("content", piece);
        }
        return frame(chunk(delta, null));
    }

    @Override
    public String closing() {
        StringBuilder s = new StringBuilder(frame(chunk(Json.object(), answer.toolCall() ? "tool_calls" : "stop")));
        if (includeUsage) {
            ObjectNode chunk = head();
            chunk.putArray("choices");
            chunk.putObject("usage").put("prompt_tokens", usage.prompt()).put("completion_tokens", usage.completion())
                    .put("total_tokens", usage.prompt() + usage.completion());
            s.append(frame(chunk));
        }
        return s.append("data: [DONE]\n\n").toString();
    }

    @Override
    public String malformed() {
        return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":tru\n\n";
    }

    @Override
    public String errorEvent() {
        ObjectNode error = Json.object();
        error.putObject("error").put("message", "The server had an error while processing your request (simulated)")
                .put("type", "server_error").putNull("param").putNull("code");
        return frame(error);
    }

    private ObjectNode head() {
        return Json.object().put("id", id).put("object", "chat.completion.chunk").put("created", created)
                .put("model", model);
    }

    private ObjectNode chunk(ObjectNode delta, String finishReason) {
        ObjectNode c = head();
        ArrayNode choices = c.putArray("choices");
        ObjectNode choice = choices.addObject().put("index", 0);
        choice.set("delta", delta);
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return c;
    }

    static String frame(ObjectNode json) {
        try {
            return "data: " + Json.MAPPER.writeValueAsString(json) + "\n\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

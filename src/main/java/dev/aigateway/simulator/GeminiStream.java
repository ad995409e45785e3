package dev.aigateway.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * Gemini's {@code streamGenerateContent?alt=sse} frames ({@code data: <GenerateContentResponse>}): one text part per
 * piece with the prompt's usage, then a last event with the finish reason and the whole usage; no end marker. A
 * function call arrives whole, in the last event, as Gemini sends it.
 */
final class GeminiStream implements SseFormat {
    private final SimulatedAnswer answer;
    private final String model;
    private final ProviderSimulator.Usage usage;

    GeminiStream(SimulatedAnswer answer, String model, ProviderSimulator.Usage usage) {
        this.answer = answer;
        this.model = model;
        this.usage = usage;
    }

    @Override
    public String opening() {
        return "";
    }

    @Override
    public String piece(String piece) {
        if (answer.toolCall()) {
            return ""; // the call goes out whole at the end
        }
        ObjectNode r = response();
        parts(r).addObject().put("text", piece);
        r.set("usageMetadata", NativeWire.geminiUsage(usage, false));
        return frame(r);
    }

    @Override
    public String closing() {
        ObjectNode r = response();
        ArrayNode parts = parts(r);
        if (answer.toolCall()) {
            parts.addObject().putObject("functionCall").put("name", answer.toolName()).set("args", answer.arguments());
        } else {
            parts.addObject().put("text", "");
        }
        ((ObjectNode) r.path("candidates").path(0)).put("finishReason", "STOP");
        r.set("usageMetadata", NativeWire.geminiUsage(usage, true));
        return frame(r);
    }

    @Override
    public String malformed() {
        return "data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": tru\n\n";
    }

    @Override
    public String errorEvent() {
        return frame(NativeWire.geminiError(503, "The model is overloaded. Please try again later. (simulated)"));
    }

    private ObjectNode response() {
        ObjectNode r = Json.object();
        ObjectNode candidate = r.putArray("candidates").addObject();
        candidate.putObject("content").put("role", "model").putArray("parts");
        candidate.put("index", 0);
        r.put("modelVersion", model);
        return r;
    }

    private static ArrayNode parts(ObjectNode r) {
        return (ArrayNode) r.path("candidates").path(0).path("content").path("parts");
    }

    private static String frame(ObjectNode data) {
        try {
            return "data: " + Json.MAPPER.writeValueAsString(data) + "\r\n\r\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

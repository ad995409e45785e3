package dev.aigateway.simulator;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

import dev.aigateway.api.Json;

/**
 * Bedrock ConverseStream in AWS event-stream binary frames (encoded by the AWS SDK's {@link Message}): messageStart,
 * contentBlockStart (a tool use), one contentBlockDelta per piece, contentBlockStop, messageStop, metadata. The
 * frames are first written as lines {@code <event-type> <json>} ({@code !<exception-type> <json>} for an exception)
 * and turned into binary frames by {@link #encode}.
 */
final class BedrockStream implements SseFormat {
    private final SimulatedAnswer answer;
    private final ProviderSimulator.Usage usage;

    BedrockStream(SimulatedAnswer answer, ProviderSimulator.Usage usage) {
        this.answer = answer;
        this.usage = usage;
    }

    @Override
    public String contentType() {
        return "application/vnd.amazon.eventstream";
    }

    @Override
    public String opening() {
        String start = line("messageStart", Json.object().put("role", "assistant"));
        if (answer.toolCall()) {
            ObjectNode block = Json.object().put("contentBlockIndex", 0);
            block.putObject("start").putObject("toolUse").put("toolUseId", "tooluse_sim" + answer.toolId(false))
                    .put("name", answer.toolName());
            start += line("contentBlockStart", block);
        }
        return start;
    }

    @Override
    public String piece(String piece) {
        ObjectNode delta = Json.object().put("contentBlockIndex", 0);
        if (answer.toolCall()) {
            delta.putObject("delta").putObject("toolUse").put("input", piece);
        } else {
            delta.putObject("delta").put("text", piece);
        }
        return line("contentBlockDelta", delta);
    }

    @Override
    public String closing() {
        ObjectNode metadata = Json.object();
        metadata.set("usage", NativeWire.bedrockUsage(usage));
        metadata.putObject("metrics").put("latencyMs", 1);
        return line("contentBlockStop", Json.object().put("contentBlockIndex", 0))
                + line("messageStop", Json.object().put("stopReason", answer.toolCall() ? "tool_use" : "end_turn"))
                + line("metadata", metadata);
    }

    @Override
    public String malformed() {
        return "contentBlockDelta {\"contentBlockIndex\":0,\"delta\":{\"text\":tru\n";
    }

    @Override
    public String errorEvent() {
        return line("!modelStreamErrorException", Json.object().put("message", "Model stream error (simulated)"));
    }

    /** Each line becomes one event-stream message, with its prelude, headers and CRCs. */
    @Override
    public Buffer encode(String lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String line : lines.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int space = line.indexOf(' ');
            String type = line.substring(0, space);
            Map<String, HeaderValue> headers = new LinkedHashMap<>();
            if (type.startsWith("!")) {
                headers.put(":message-type", HeaderValue.fromString("exception"));
                headers.put(":exception-type", HeaderValue.fromString(type.substring(1)));
            } else {
                headers.put(":message-type", HeaderValue.fromString("event"));
                headers.put(":event-type", HeaderValue.fromString(type));
            }
            headers.put(":content-type", HeaderValue.fromString("application/json"));
            byte[] payload = line.substring(space + 1).getBytes(StandardCharsets.UTF_8);
            byte[] frame = new Message(headers, payload).toByteBuffer().array();
            out.write(frame, 0, frame.length);
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static String line(String type, ObjectNode data) {
        try {
            return type + " " + Json.MAPPER.writeValueAsString(data) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

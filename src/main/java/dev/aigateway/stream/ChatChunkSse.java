package dev.aigateway.stream;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/** OpenAI's chat completions stream: each chunk a {@code data:} event, then {@code [DONE]}. Stateless. */
public final class ChatChunkSse implements SseDialect {
    public static final ChatChunkSse INSTANCE = new ChatChunkSse();
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private ChatChunkSse() {
    }

    @Override
    public void chunk(ObjectNode chunk, Consumer<byte[]> out) {
        out.accept(data(chunk));
    }

    @Override
    public void restart(ObjectNode marker, Consumer<byte[]> out) {
        out.accept(data(marker));
    }

    @Override
    public void end(ObjectNode finish, ObjectNode usage, Consumer<byte[]> out) {
        out.accept(data(finish));
        if (usage != null) {
            out.accept(data(usage));
        }
        out.accept(DONE);
    }

    /** An error event the OpenAI SDKs raise as an APIError, then {@code [DONE]}. */
    @Override
    public void fail(ObjectNode errorBody, Consumer<byte[]> out) {
        out.accept(data(errorBody));
        out.accept(DONE);
    }

    /** One {@code data: <json>} frame. */
    public static byte[] data(ObjectNode json) {
        return frame(null, json);
    }

    /** One SSE frame: {@code event: <name>} (when not null) and {@code data: <json>}. */
    public static byte[] frame(String event, ObjectNode json) {
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(json);
            byte[] head = event == null ? DATA : ("event: " + event + "\ndata: ").getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[head.length + body.length + 2];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(body, 0, out, head.length, body.length);
            out[out.length - 2] = '\n';
            out[out.length - 1] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.aigateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.stream.ChatChunkSse;
import dev.aigateway.stream.SseDialect;

/** {@code POST /v1/chat/completions}: the chains' own shape, passed as it is. */
public final class ChatCompletionsApi implements ClientApi {
    public static final String NAME = "chat.completions";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JsonNode toChatRequest(JsonNode body, Message in) {
        return body;
    }

    @Override
    public ObjectNode fromCompletion(ObjectNode completion, ChatRequest request) {
        return completion;
    }

    @Override
    public ObjectNode error(ObjectNode openAiError, int status) {
        return openAiError;
    }

    @Override
    public SseDialect sse(ChatRequest request) {
        return ChatChunkSse.INSTANCE;
    }
}

package dev.aigateway.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.http.ClientApi;
import dev.aigateway.stream.SseDialect;

/**
 * {@code POST /v1/responses}: a stateless subset of OpenAI's Responses API over the chat chains
 * (docs/responses.md). The request is translated by {@link ResponsesRequest}, the answer becomes a
 * {@code response} object, a stream {@code response.*} events ({@link ResponsesSse}); errors keep the OpenAI
 * shape the gateway already speaks.
 */
public final class ResponsesApi implements ClientApi {
    public static final String NAME = "responses";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public JsonNode toChatRequest(JsonNode body, Message in) {
        return ResponsesRequest.toChat(body);
    }

    @Override
    public ObjectNode fromCompletion(ObjectNode completion, ChatRequest request) {
        String id = ResponseObject.idOf(completion.path("id").asText(null));
        ObjectNode response = ResponseObject.shell(id, completion.path("created").asLong(System.currentTimeMillis() / 1000),
                completion.path("model").asText(), request);
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        String finish = choice.path("finish_reason").asText("stop");
        ResponseObject.finish(response, finish);
        String itemStatus = "completed".equals(response.path("status").asText()) ? "completed" : "incomplete";
        ArrayNode output = response.putArray("output");
        String suffix = ResponseObject.suffix(id);
        String text = message.path("content").isTextual() ? message.get("content").asText() : "";
        String refusal = message.path("refusal").isTextual() ? message.get("refusal").asText() : null;
        if (!text.isEmpty() || refusal != null || !message.path("tool_calls").isArray()) {
            ObjectNode item = ResponseObject.message("msg_" + suffix, null, itemStatus);
            ArrayNode content = (ArrayNode) item.get("content");
            if (!text.isEmpty() || refusal == null) {
                content.add(ResponseObject.outputText(text));
            }
            if (refusal != null) {
                content.addObject().put("type", "refusal").put("refusal", refusal);
            }
            output.add(item);
        }
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode f = call.path("function");
            output.add(ResponseObject.functionCall("fc_" + call.path("id").asText(), call.path("id").asText(),
                    f.path("name").asText(), f.path("arguments").asText(""), "completed"));
        }
        response.set("usage", ResponseObject.usage(completion.path("usage")));
        if (completion.has("gateway")) {
            response.set("gateway", completion.get("gateway"));
        }
        return response;
    }

    /** The gateway's errors already have OpenAI's shape, which the Responses SDKs read too. */
    @Override
    public ObjectNode error(ObjectNode openAiError, int status) {
        return openAiError;
    }

    @Override
    public SseDialect sse(ChatRequest request) {
        return new ResponsesSse(request);
    }
}

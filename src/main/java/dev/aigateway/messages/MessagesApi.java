package dev.aigateway.messages;

import java.io.IOException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Message;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.http.ClientApi;
import dev.aigateway.stream.SseDialect;

/**
 * {@code POST /v1/messages}: the Anthropic Messages API over the chat chains. The request is translated
 * ({@link MessagesRequest}) for the chains and OpenAI-compatible providers, and kept as the client sent it for
 * Anthropic providers ({@link ChatRequest#anthropic()}); the answer, errors ({@link MessagesErrors}) and stream
 * events ({@link MessagesSse}) come back in Anthropic's shapes, with the gateway's {@code gateway} object.
 */
public final class MessagesApi implements ClientApi {
    public static final String NAME = "messages";
    /** The request header naming the API version (a date: the SDKs send their own, 2023-06-01 or later). */
    static final String VERSION_HEADER = "anthropic-version";
    private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    @Override
    public String name() {
        return NAME;
    }

    /**
     * anthropic-version is accepted when it is a date (every SDK sends its own; later versions keep the request
     * shapes this API reads) and may be left out (curl, some tools): the gateway speaks one version to its
     * Anthropic providers, 2023-06-01. Anything else is a 400 naming the header. anthropic-beta is not
     * forwarded: a beta's fields would not survive a fallback to another provider (they are refused instead).
     */
    @Override
    public JsonNode toChatRequest(JsonNode body, Message in) {
        String version = in.getHeader(VERSION_HEADER, String.class);
        if (version != null && !VERSION.matcher(version.trim()).matches()) {
            throw GatewayException.invalid(VERSION_HEADER, "anthropic-version: '" + abbreviate(version)
                    + "' is not a version (a date such as 2023-06-01)");
        }
        return MessagesRequest.toChat(body);
    }

    /** The client's own body for Anthropic providers: without the gateway's fields and what the gateway dropped. */
    @Override
    public ChatRequest carry(ChatRequest parsed, JsonNode clientBody) {
        ObjectNode own = ((ObjectNode) clientBody).deepCopy();
        own.remove(MessagesRequest.GATEWAY_FIELDS);
        own.remove(parsed.droppedFields());
        return parsed.withAnthropic(own);
    }

    @Override
    public ObjectNode fromCompletion(ObjectNode completion, ChatRequest request) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        ObjectNode out = Json.object();
        out.put("id", messageId(completion.path("id").asText("")));
        out.put("type", "message").put("role", "assistant").put("model", completion.path("model").asText(""));
        ArrayNode content = out.putArray("content");
        String text = message.path("content").asText("");
        if (!text.isEmpty()) {
            content.addObject().put("type", "text").put("text", text);
        }
        for (JsonNode call : message.path("tool_calls")) {
            ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.path("id").asText(""))
                    .put("name", call.path("function").path("name").asText(""));
            use.set("input", input(call.path("function").path("arguments").asText("")));
        }
        out.put("stop_reason", stopReason(choice.path("finish_reason").asText(null)));
        out.putNull("stop_sequence");
        JsonNode usage = completion.path("usage");
        out.putObject("usage").put("input_tokens", usage.path("prompt_tokens").asLong(0))
                .put("output_tokens", usage.path("completion_tokens").asLong(0));
        if (completion.has("gateway")) {
            out.set("gateway", completion.get("gateway"));
        }
        return out;
    }

    @Override
    public ObjectNode error(ObjectNode openAiError, int status) {
        return MessagesErrors.of(openAiError, status);
    }

    @Override
    public SseDialect sse(ChatRequest request) {
        return new MessagesSse();
    }

    /** OpenAI finish_reason → Anthropic stop_reason (a stop sequence is not told apart from end_turn by the chains). */
    static String stopReason(String finish) {
        if (finish == null) {
            return "end_turn";
        }
        return switch (finish) {
            case "length" -> "max_tokens";
            case "tool_calls", "function_call" -> "tool_use";
            case "content_filter" -> "refusal";
            default -> "end_turn";
        };
    }

    /** An Anthropic message id: the provider's own when it was one ({@code chatcmpl-msg_…}), else msg_ + the completion's. */
    static String messageId(String completionId) {
        String id = completionId.startsWith("chatcmpl-") ? completionId.substring("chatcmpl-".length()) : completionId;
        return id.startsWith("msg_") ? id : "msg_" + (id.isEmpty() ? java.util.UUID.randomUUID().toString().replace("-", "") : id);
    }

    /** A tool call's arguments as the parsed input object Anthropic clients expect ({} when a provider sent none). */
    static JsonNode input(String arguments) {
        if (arguments.isBlank()) {
            return Json.object();
        }
        try {
            return Json.MAPPER.readTree(arguments);
        } catch (IOException e) {
            // a model's malformed arguments: the client sees them rather than nothing
            return Json.object().put("_raw_arguments", arguments);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}

package dev.aigateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * How many tokens a request's prompt is, counted with a real tokenizer (jtokkit, {@value #ENCODING_NAME}, the
 * encoding of the gpt-4o / gpt-4.1 family): the text of every message (a string content, or the {@code text}
 * of its text parts, plus a tool message's or assistant's tool calls as JSON) and the tool definitions
 * ({@code tools}, {@code functions}) as JSON. Image parts are not counted (the model auto sends them to premium
 * anyway). Other models' tokenizers differ by some percent: this is a size for routing, not a bill.
 */
public final class PromptTokens {
    /** The encoding counted with; named in docs/routing.md (model auto). */
    public static final String ENCODING_NAME = "o200k_base";
    private static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    private PromptTokens() {
    }

    public static int count(ChatRequest request) {
        return count(request.body());
    }

    /** The prompt tokens of a validated request body (OpenAI form). */
    public static int count(ObjectNode body) {
        int tokens = 0;
        for (JsonNode message : body.path("messages")) {
            JsonNode content = message.get("content");
            if (content != null && content.isTextual()) {
                tokens += text(content.asText());
            } else if (content != null && content.isArray()) {
                for (JsonNode part : content) {
                    if (part.path("text").isTextual()) {
                        tokens += text(part.get("text").asText());
                    }
                }
            }
            for (String f : new String[] { "tool_calls", "function_call" }) {
                if (message.hasNonNull(f)) {
                    tokens += text(message.get(f).toString());
                }
            }
        }
        for (String f : new String[] { "tools", "functions" }) {
            if (body.hasNonNull(f)) {
                tokens += text(body.get(f).toString());
            }
        }
        return tokens;
    }

    private static int text(String s) {
        return s.isEmpty() ? 0 : ENCODING.countTokensOrdinary(s);
    }
}

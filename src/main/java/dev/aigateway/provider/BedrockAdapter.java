package dev.aigateway.provider;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;

/**
 * AWS Bedrock's Converse API ({@code provider.<name>.api = bedrock}): {@code POST {base}/model/<modelId>/converse},
 * streamed as {@code /converse-stream} in AWS event-stream frames. Requests are signed with SigV4 by the AWS SDK's
 * own signer ({@link AwsV4HttpSigner}, service {@code bedrock}, the deployment's region) over the exact body bytes,
 * with credentials from the SDK's default chain ({@link AwsCredentialChain}). The OpenAI request becomes
 * {@code system} + {@code messages} (content blocks: text, image bytes, toolUse, toolResult) + {@code inferenceConfig}
 * + {@code toolConfig}; the answer comes back as an OpenAI chat.completion.
 */
public class BedrockAdapter implements ProviderAdapter {
    /** The OpenAI request fields this adapter translates; the rest has no Converse equivalent and is not sent. */
    public static final Set<String> FORWARDED_FIELDS = Set.of("messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "stop", "tools", "tool_choice", "stream");
    static final String SERVICE = "bedrock";
    private static final AwsV4HttpSigner SIGNER = AwsV4HttpSigner.create();
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");

    private final String region;
    private final Clock clock;

    /** @param region the AWS region requests are signed for (provider.<name>.region, or the deployment's) */
    public BedrockAdapter(String region) {
        this(region, Clock.systemUTC());
    }

    /** With a fixed clock: a signature made at a known time (tests compare it with the SDK's own). */
    BedrockAdapter(String region, Clock clock) {
        this.region = region;
        this.clock = clock;
    }

    public String region() {
        return region;
    }

    @Override
    public String chatPath() {
        throw new UnsupportedOperationException("the Bedrock chat path names the model: chatPath(settings, stream)");
    }

    /** The model id (or inference-profile ARN) is one path segment: ':' and '/' are percent-encoded, as the SDK does. */
    @Override
    public String chatPath(ProviderSettings settings, boolean stream) {
        String id = URLEncoder.encode(settings.model(), StandardCharsets.UTF_8).replace("+", "%20");
        return "/model/" + id + (stream ? "/converse-stream" : "/converse");
    }

    /** The runtime endpoint has no models list: the health probe is a signed 1-token Converse call. */
    @Override
    public String modelsPath() {
        return "completion";
    }

    /** Nothing but the signature (added by {@link #sign}): no key travels in a header. */
    @Override
    public Map<String, String> headers(String apiKey) {
        return Map.of();
    }

    @Override
    public StreamFraming streamFraming() {
        return StreamFraming.AWS_EVENT_STREAM;
    }

    /**
     * SigV4 over method, URL and body, by the SDK's signer: the headers it adds (Authorization, X-Amz-Date, and
     * X-Amz-Security-Token for temporary credentials). Host is signed as camel-http sends it (host, and the port
     * when it is not the scheme's default), so it is not set here.
     */
    @Override
    public Map<String, String> sign(String method, String url, byte[] body, KeySource credential) {
        if (!(credential instanceof AwsCredentialChain aws)) {
            throw new IllegalStateException("a Bedrock provider signs with AWS credentials, not " + credential);
        }
        return sign(method, url, body, aws.forSigning(), region, clock);
    }

    /** The SigV4 headers for one request, signed at {@code clock}'s time. */
    static Map<String, String> sign(String method, String url, byte[] body, AwsCredentialsIdentity identity,
            String region, Clock clock) {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(URI.create(url))
                .build();
        SignedRequest signed = SIGNER.sign(r -> r.identity(identity).request(request)
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().headers().forEach((name, values) -> {
            if (!"host".equalsIgnoreCase(name) && !values.isEmpty()) {
                headers.put(name, values.get(0));
            }
        });
        return headers;
    }

    @Override
    public byte[] buildRequest(ChatRequest request, ProviderSettings settings, boolean stream) throws IOException {
        ObjectNode in = request.body();
        ObjectNode out = Json.object();
        ArrayNode system = Json.MAPPER.createArrayNode();
        ArrayNode messages = out.putArray("messages");
        for (JsonNode m : request.messages()) {
            switch (m.path("role").asText()) {
                case "system", "developer" -> system.addObject().put("text", AnthropicAdapter.plainText(m.get("content")));
                case "assistant" -> {
                    ArrayNode content = turn(messages, "assistant");
                    String text = AnthropicAdapter.plainText(m.get("content"));
                    if (!text.isEmpty()) {
                        content.addObject().put("text", text);
                    }
                    for (JsonNode call : m.path("tool_calls")) {
                        ObjectNode use = content.addObject().putObject("toolUse");
                        use.put("toolUseId", call.path("id").asText()).put("name", call.path("function").path("name").asText());
                        use.set("input", object(call.path("function").path("arguments").asText("{}")));
                    }
                }
                case "tool" -> {
                    ObjectNode result = turn(messages, "user").addObject().putObject("toolResult");
                    result.put("toolUseId", m.path("tool_call_id").asText());
                    result.putArray("content").addObject().put("text", AnthropicAdapter.plainText(m.get("content")));
                }
                default -> userContent(turn(messages, "user"), m.get("content"));
            }
        }
        if (!system.isEmpty()) {
            out.set("system", system);
        }
        ObjectNode config = out.putObject("inferenceConfig");
        config.put("maxTokens", request.maxTokens(settings.maxTokens()));
        if (in.hasNonNull("temperature") && in.get("temperature").isNumber()) {
            config.put("temperature", Math.min(1.0, in.get("temperature").asDouble())); // Converse's range is 0..1
        }
        if (in.hasNonNull("top_p") && in.get("top_p").isNumber()) {
            config.put("topP", in.get("top_p").asDouble());
        }
        JsonNode stop = in.get("stop");
        if (stop != null && stop.isTextual()) {
            config.putArray("stopSequences").add(stop.asText());
        } else if (stop != null && stop.isArray()) {
            config.set("stopSequences", stop);
        }
        if (in.get("tools") instanceof ArrayNode tools && !tools.isEmpty()) {
            ObjectNode toolConfig = out.putObject("toolConfig");
            ArrayNode specs = toolConfig.putArray("tools");
            for (JsonNode t : tools) {
                JsonNode f = t.path("function");
                ObjectNode spec = specs.addObject().putObject("toolSpec").put("name", f.path("name").asText());
                if (f.hasNonNull("description")) {
                    spec.put("description", f.get("description").asText());
                }
                spec.putObject("inputSchema").set("json", f.has("parameters") ? f.get("parameters")
                        : Json.object().put("type", "object"));
            }
            toolChoice(toolConfig, in.get("tool_choice"));
        }
        return Json.MAPPER.writeValueAsBytes(out);
    }

    @Override
    public ChatResult parseResponse(byte[] body, ProviderSettings settings, long latencyMs) throws IOException {
        JsonNode root = Json.MAPPER.readTree(body);
        JsonNode message = root == null ? null : root.path("output").get("message");
        if (message == null) {
            throw new IOException("response has no output.message");
        }
        StringBuilder text = new StringBuilder();
        ArrayNode toolCalls = Json.MAPPER.createArrayNode();
        for (JsonNode block : message.path("content")) {
            if (block.has("text")) {
                text.append(block.get("text").asText());
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                ObjectNode call = toolCalls.addObject().put("id", use.path("toolUseId").asText()).put("type", "function");
                call.putObject("function").put("name", use.path("name").asText())
                        .put("arguments", Json.MAPPER.writeValueAsString(use.has("input") ? use.get("input") : Json.object()));
            }
        }
        String finish = finishReason(root.path("stopReason").asText(null));
        long prompt = promptTokens(root.path("usage"));
        long completionTokens = root.path("usage").path("outputTokens").asLong(0);
        ObjectNode completion = Json.object();
        completion.put("id", "chatcmpl-bedrock-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        completion.put("object", "chat.completion");
        completion.put("created", Instant.now().getEpochSecond());
        completion.put("model", settings.model());
        ObjectNode choice = completion.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode out = choice.putObject("message");
        out.put("role", "assistant");
        if (text.isEmpty() && !toolCalls.isEmpty()) {
            out.putNull("content");
        } else {
            out.put("content", text.toString());
        }
        if (!toolCalls.isEmpty()) {
            out.set("tool_calls", toolCalls);
        }
        choice.put("finish_reason", finish);
        completion.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completionTokens)
                .put("total_tokens", prompt + completionTokens);
        return new ChatResult(settings.name(), settings.model(), completion, prompt, completionTokens,
                settings.cost(prompt, completionTokens), finish, latencyMs);
    }

    @Override
    public StreamParser streamParser(ProviderSettings settings) {
        return new BedrockStreamParser(settings);
    }

    /**
     * AWS's error: the type in {@code x-amzn-ErrorType} ({@code ThrottlingException:http://...}) or the body's
     * {@code __type}, the text in {@code message}. The status is read from the type where AWS's own status would
     * put it in the wrong class: ModelNotReadyException (429 on the wire, a model still loading) is 503, and
     * ServiceQuotaExceededException (400) is 429, not the client's fault.
     */
    @Override
    public UpstreamError readError(int status, Map<String, Object> headers, byte[] body) {
        JsonNode error = UpstreamErrors.errorNode(body);
        String message = UpstreamErrors.text(error, "message");
        if (message == null) {
            message = UpstreamErrors.text(error, "Message");
        }
        String type = errorType(headers, error);
        int effective = switch (type == null ? "" : type) {
            case "ModelNotReadyException", "ServiceUnavailableException" -> 503;
            case "ThrottlingException", "ServiceQuotaExceededException" -> 429;
            case "AccessDeniedException", "UnrecognizedClientException" -> 403;
            case "ModelTimeoutException" -> 408;
            default -> status;
        };
        return new UpstreamError(effective, type, type, null, message != null ? message : UpstreamErrors.snippet(body),
                UpstreamErrors.retryAfterMs(headers));
    }

    /** Bedrock stopReason → OpenAI finish_reason. */
    static String finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "content_filtered", "guardrail_intervened" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence
        };
    }

    /** Cached input tokens (read and written) are prompt tokens all the same. */
    static long promptTokens(JsonNode usage) {
        return usage.path("inputTokens").asLong(0) + usage.path("cacheReadInputTokens").asLong(0)
                + usage.path("cacheWriteInputTokens").asLong(0);
    }

    private static String errorType(Map<String, Object> headers, JsonNode error) {
        for (Map.Entry<String, Object> h : headers.entrySet()) {
            if ("x-amzn-ErrorType".equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                return shortType(h.getValue().toString());
            }
        }
        String type = UpstreamErrors.text(error, "__type");
        return type == null ? null : shortType(type);
    }

    /** "ThrottlingException:http://internal..." and "com.amazon.coral#ThrottlingException" → ThrottlingException. */
    private static String shortType(String type) {
        String t = type;
        int colon = t.indexOf(':');
        if (colon > 0) {
            t = t.substring(0, colon);
        }
        int hash = t.lastIndexOf('#');
        return hash >= 0 ? t.substring(hash + 1) : t;
    }

    /** The content of the last message when it has this role (Converse wants roles to alternate), else of a new one. */
    private static ArrayNode turn(ArrayNode messages, String role) {
        JsonNode last = messages.isEmpty() ? null : messages.get(messages.size() - 1);
        if (last != null && role.equals(last.path("role").asText())) {
            return (ArrayNode) last.get("content");
        }
        return messages.addObject().put("role", role).putArray("content");
    }

    private static void userContent(ArrayNode content, JsonNode parts) throws IOException {
        if (parts == null || !parts.isArray()) {
            content.addObject().put("text", AnthropicAdapter.plainText(parts));
            return;
        }
        for (JsonNode part : parts) {
            if ("image_url".equals(part.path("type").asText())) {
                content.add(image(part.path("image_url").path("url").asText()));
            } else {
                content.addObject().put("text", part.path("text").asText());
            }
        }
    }

    /** Converse takes image bytes (or S3), not URLs: a data: URL's bytes, base64 as the JSON carries them. */
    private static ObjectNode image(String url) throws IOException {
        if (!url.startsWith("data:image/") || !url.contains(";base64,")) {
            throw new IOException("Bedrock takes images as data: URLs (base64) only, not " + (url.startsWith("http")
                    ? "a link" : "this URL"));
        }
        String format = url.substring("data:image/".length(), url.indexOf(';')).toLowerCase(Locale.ROOT);
        format = "jpg".equals(format) ? "jpeg" : format;
        if (!IMAGE_FORMATS.contains(format)) {
            throw new IOException("Bedrock takes png, jpeg, gif or webp images, not " + format);
        }
        ObjectNode image = Json.object();
        image.putObject("image").put("format", format).putObject("source")
                .put("bytes", url.substring(url.indexOf(";base64,") + 8));
        return image;
    }

    /** tool_choice → toolChoice: auto, required → any, a named function → tool; none has no Converse form (auto). */
    private static void toolChoice(ObjectNode toolConfig, JsonNode choice) {
        if (choice == null || choice.isNull()) {
            return;
        }
        if (choice.isTextual() && "required".equals(choice.asText())) {
            toolConfig.putObject("toolChoice").putObject("any");
        } else if (choice.path("function").hasNonNull("name")) {
            toolConfig.putObject("toolChoice").putObject("tool").put("name", choice.path("function").path("name").asText());
        } else if (choice.isTextual() && "auto".equals(choice.asText())) {
            toolConfig.putObject("toolChoice").putObject("auto");
        }
    }

    private static JsonNode object(String json) {
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return n instanceof ObjectNode ? n : Json.object();
        } catch (IOException e) {
            return Json.object();
        }
    }

    /** For log lines and /admin: the region a deployment signs for. */
    @Override
    public String toString() {
        return "BedrockAdapter[" + region + "]";
    }
}

package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;
import dev.aigateway.stream.AwsEventStreamReader;
import dev.aigateway.stream.SseReader;

/**
 * Bedrock's Converse API on fixtures written from AWS's documentation (fixtures/bedrock). ConverseStream fixtures
 * are event lists: the binary event stream is built here with the AWS SDK's encoder and read back with the gateway's
 * {@link AwsEventStreamReader}.
 */
class BedrockAdapterTest {
    static final Instant AT = Instant.parse("2025-01-15T12:34:56Z");
    final BedrockAdapter adapter = new BedrockAdapter("eu-west-3", Clock.fixed(AT, ZoneOffset.UTC));
    final ProviderSettings settings = new ProviderSettings("bedrock", "bedrock", "https://bedrock-runtime.eu-west-3.amazonaws.com",
            "anthropic.claude-3-5-haiku-20241022-v1:0", 1024, 0.80, 4.00, 30_000, null, null, null,
            new ProviderSettings.BreakerSettings(50, 10, 5, 1000, 2), false);

    static ChatRequest chat(String json) throws Exception {
        return new ChatRequest((ObjectNode) Json.MAPPER.readTree(json), "default", "r1", null);
    }

    @Test
    void pathsEncodeTheModelIdAsOneSegment() {
        assertEquals("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse", adapter.chatPath(settings, false));
        assertEquals("/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream", adapter.chatPath(settings, true));
        assertEquals("completion", adapter.modelsPath(), "no models list on the runtime endpoint: a 1-token call");
        assertEquals(StreamFraming.AWS_EVENT_STREAM, adapter.streamFraming());
        assertTrue(StreamFraming.AWS_EVENT_STREAM.matches("application/vnd.amazon.eventstream"));
        assertFalse(StreamFraming.AWS_EVENT_STREAM.matches("text/event-stream"));
    }

    @Test
    void requestBecomesConverse() throws Exception {
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(chat("""
                {"messages":[{"role":"system","content":"You are terse."},
                             {"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello"},
                             {"role":"user","content":[{"type":"text","text":"What is this?"},
                                 {"type":"image_url","image_url":{"url":"data:image/jpg;base64,/9j/4AAQ"}}]}],
                 "temperature":1.5,"top_p":0.9,"stop":"END","user":"u1","n":2}"""), settings, false));
        assertEquals("You are terse.", out.at("/system/0/text").asText());
        assertEquals(3, out.path("messages").size());
        assertEquals("user", out.at("/messages/0/role").asText());
        assertEquals("Hi", out.at("/messages/0/content/0/text").asText());
        assertEquals("assistant", out.at("/messages/1/role").asText());
        assertEquals("jpeg", out.at("/messages/2/content/1/image/format").asText());
        assertEquals("/9j/4AAQ", out.at("/messages/2/content/1/image/source/bytes").asText());
        assertEquals(1024, out.at("/inferenceConfig/maxTokens").asInt(), "provider default when the client sends none");
        assertEquals(1.0, out.at("/inferenceConfig/temperature").asDouble(), "clamped to 0..1");
        assertEquals(0.9, out.at("/inferenceConfig/topP").asDouble());
        assertEquals("END", out.at("/inferenceConfig/stopSequences/0").asText());
        assertFalse(out.has("user") || out.has("n") || out.has("model"), "OpenAI-only fields are not sent: " + out);
        assertThrows(IOException.class, () -> adapter.buildRequest(chat("""
                {"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://x/cat.png"}}]}]}"""),
                settings, false), "Converse takes image bytes, not links");
    }

    @Test
    void toolsCallsAndResults() throws Exception {
        JsonNode out = Json.MAPPER.readTree(adapter.buildRequest(chat("""
                {"messages":[{"role":"user","content":"Top song on WZPZ?"},
                   {"role":"assistant","content":"Looking.","tool_calls":[
                      {"id":"tooluse_1","type":"function","function":{"name":"top_song","arguments":"{\\"sign\\":\\"WZPZ\\"}"}}]},
                   {"role":"tool","tool_call_id":"tooluse_1","content":"Elemental Hotel"}],
                 "tools":[{"type":"function","function":{"name":"top_song","description":"Most popular song",
                    "parameters":{"type":"object","properties":{"sign":{"type":"string"}},"required":["sign"]}}}],
                 "tool_choice":{"type":"function","function":{"name":"top_song"}}}"""), settings, false));
        JsonNode spec = out.at("/toolConfig/tools/0/toolSpec");
        assertEquals("top_song", spec.path("name").asText());
        assertEquals("Most popular song", spec.path("description").asText());
        assertEquals("string", spec.at("/inputSchema/json/properties/sign/type").asText());
        assertEquals("top_song", out.at("/toolConfig/toolChoice/tool/name").asText());
        assertEquals("Looking.", out.at("/messages/1/content/0/text").asText());
        assertEquals("tooluse_1", out.at("/messages/1/content/1/toolUse/toolUseId").asText());
        assertEquals("WZPZ", out.at("/messages/1/content/1/toolUse/input/sign").asText());
        assertEquals("user", out.at("/messages/2/role").asText());
        assertEquals("tooluse_1", out.at("/messages/2/content/0/toolResult/toolUseId").asText());
        assertEquals("Elemental Hotel", out.at("/messages/2/content/0/toolResult/content/0/text").asText());
    }

    @Test
    void textToolUseAndGuardrailAnswers() throws Exception {
        ChatResult text = adapter.parseResponse(Fixtures.bytes("bedrock/converse-text.docs.json"), settings, 5);
        assertTrue(text.completion().at("/choices/0/message/content").asText().startsWith("Here is a list of 3 pop songs"));
        assertEquals("stop", text.finishReason());
        assertEquals(125, text.promptTokens());
        assertEquals(60, text.completionTokens());
        assertEquals((125 * 0.80 + 60 * 4.00) / 1e6, text.costUsd(), 1e-12);
        assertEquals(settings.model(), text.model());

        ChatResult tool = adapter.parseResponse(Fixtures.bytes("bedrock/converse-tool-use.docs.json"), settings, 5);
        assertEquals("tool_calls", tool.finishReason());
        JsonNode call = tool.completion().at("/choices/0/message/tool_calls/0");
        assertEquals("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", call.path("id").asText());
        assertEquals("top_song", call.at("/function/name").asText());
        assertEquals("{\"sign\":\"WZPZ\"}", call.at("/function/arguments").asText());
        assertEquals(375 + 100, tool.promptTokens(), "cached input tokens are prompt tokens");

        ChatResult guardrail = adapter.parseResponse(Fixtures.bytes("bedrock/converse-guardrail.docs.json"), settings, 5);
        assertEquals("content_filter", guardrail.finishReason());
        assertEquals("content_filter", BedrockAdapter.finishReason("content_filtered"));
        assertEquals("length", BedrockAdapter.finishReason("max_tokens"));
    }

    @Test
    void converseStreamOfText() throws Exception {
        List<StreamEvent> events = readStream(eventStream("bedrock/converse-stream-text.docs.json"));
        assertEquals("Hello! How can I help you today?", Sse.text(events));
        assertEquals("assistant", events.get(0).chunk().at("/choices/0/delta/role").asText());
        assertEquals("stop", events.get(5).finishReason(), "messageStop");
        StreamEvent metadata = events.get(6);
        assertEquals(12, metadata.promptTokens());
        assertEquals(11, metadata.completionTokens());
        assertTrue(metadata.done(), "metadata is the last event");
    }

    @Test
    void converseStreamOfToolUse() throws Exception {
        List<StreamEvent> events = readStream(eventStream("bedrock/converse-stream-tool-use.docs.json"));
        assertEquals("Let me check.", Sse.text(events));
        assertEquals("{\"sign\": \"WZPZ\"}", Sse.arguments(events, 0), "fragments of the toolUse input, in order");
        JsonNode start = events.get(3).chunk().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, start.path("index").asInt(), "the second content block is the first tool call");
        assertEquals("tooluse_Ap7bE1bKQ2S5o7pLjMtkXw", start.path("id").asText());
        assertEquals("top_song", start.at("/function/name").asText());
        assertEquals("tool_calls", events.get(7).finishReason());
    }

    @Test
    void exceptionFrameIsAnInBandErrorAndABrokenFrameIsMalformed() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(frame("event", "messageStart", "{\"role\":\"assistant\"}"));
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("exception"));
        headers.put(":exception-type", HeaderValue.fromString("throttlingException"));
        out.write(new Message(headers, "{\"message\":\"Too many requests\"}".getBytes(StandardCharsets.UTF_8)).toByteBuffer().array());
        List<StreamEvent> events = readStream(out.toByteArray());
        assertEquals("throttlingException: Too many requests", events.get(1).error());

        byte[] corrupt = frame("event", "contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"x\"}}");
        corrupt[corrupt.length - 1] ^= 0x55; // the message CRC no longer matches
        assertThrows(IOException.class, () -> new AwsEventStreamReader(new ByteArrayInputStream(corrupt)).next());

        byte[] whole = frame("event", "messageStart", "{\"role\":\"assistant\"}");
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        assertNull(new AwsEventStreamReader(new ByteArrayInputStream(cut)).next(), "a frame cut off is not returned");
    }

    @Test
    void errorsReadIntoTheFallbackClasses() {
        UpstreamError throttled = adapter.readError(429, Map.of("x-amzn-ErrorType",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"), Fixtures.bytes("bedrock/error-throttling.docs.json"));
        assertEquals("ThrottlingException", throttled.type());
        assertEquals("rate_limited", UpstreamErrors.outcome(throttled));
        assertEquals("Too many requests, please wait before trying again.", throttled.message());
        UpstreamError notReady = adapter.readError(429, Map.of("x-amzn-ErrorType", "ModelNotReadyException"),
                Fixtures.bytes("bedrock/error-model-not-ready.docs.json"));
        assertEquals(503, notReady.status(), "a model still loading is unavailable");
        assertEquals("http_503", UpstreamErrors.outcome(notReady));
        UpstreamError unavailable = adapter.readError(503, Map.of("x-amzn-ErrorType", "ServiceUnavailableException"), new byte[0]);
        assertEquals("http_503", UpstreamErrors.outcome(unavailable));
        UpstreamError invalid = adapter.readError(400, Map.of("X-Amzn-ErrorType", "ValidationException"),
                Fixtures.bytes("bedrock/error-validation.docs.json"));
        assertEquals("ValidationException", invalid.type());
        assertTrue(UpstreamErrors.isClientError(invalid), "the request's own fault goes to the client");
        UpstreamError denied = adapter.readError(403, Map.of(), ("{\"__type\":\"com.amazon.coral.service#AccessDeniedException\","
                + "\"Message\":\"You don't have access to the model with the specified model ID.\"}").getBytes());
        assertEquals("AccessDeniedException", denied.type());
        assertEquals("auth_error", UpstreamErrors.outcome(denied));
        assertTrue(denied.message().startsWith("You don't have access"));
        UpstreamError quota = adapter.readError(400, Map.of("x-amzn-ErrorType", "ServiceQuotaExceededException"), new byte[0]);
        assertFalse(UpstreamErrors.isClientError(quota), "a quota is not the request's fault: it falls back");
    }

    @Test
    void sigV4MatchesTheSdkSignerAtAFixedTime() {
        AwsCredentialChain credentials = AwsCredentialChain.of("bedrock", StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")), "static test credentials");
        String url = "https://bedrock-runtime.eu-west-3.amazonaws.com" + adapter.chatPath(settings, false);
        byte[] body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = adapter.sign("POST", url, body, credentials);

        String authorization = headers.get("Authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250115/eu-west-3/bedrock/aws4_request, "
                + "SignedHeaders="), authorization);
        assertTrue(authorization.contains("host") && authorization.contains("x-amz-date"), authorization);
        assertEquals("20250115T123456Z", headers.get("X-Amz-Date"));
        assertFalse(headers.containsKey("Host"), "Host is the one camel-http sends, signed as the SDK computes it");

        // the SDK's own signer, given the request as it goes out (Host header included), signs the same
        SdkHttpRequest sent = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(URI.create(url))
                .putHeader("Host", "bedrock-runtime.eu-west-3.amazonaws.com").build();
        String expected = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"))
                .request(sent).payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(AT, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        assertEquals(expected, authorization);

        // one byte more in the body, or another region, is another signature
        byte[] other = java.util.Arrays.copyOf(body, body.length + 1);
        other[body.length] = ' ';
        assertNotEquals(authorization, adapter.sign("POST", url, other, credentials).get("Authorization"));
        assertNotEquals(authorization, new BedrockAdapter("us-east-1", Clock.fixed(AT, ZoneOffset.UTC))
                .sign("POST", url, body, credentials).get("Authorization"));
    }

    @Test
    void temporaryCredentialsSendTheirSessionToken() {
        AwsCredentialChain session = AwsCredentialChain.of("bedrock", StaticCredentialsProvider.create(
                software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create("ASIAEXAMPLE", "secret", "the-token")),
                "session");
        Map<String, String> headers = adapter.sign("POST", "https://bedrock-runtime.eu-west-3.amazonaws.com/model/m/converse",
                new byte[0], session);
        assertEquals("the-token", headers.get("X-Amz-Security-Token"));
        assertTrue(headers.get("Authorization").contains("x-amz-security-token"), "and sign it");
    }

    @Test
    void regionIsRequiredAndChecked() {
        Map<String, String> p = new java.util.HashMap<>(Map.of("provider.bedrock.api", "bedrock",
                "provider.bedrock.model", "m", "provider.bedrock.max-tokens", "10",
                "provider.bedrock.input-price-per-mtok", "1", "provider.bedrock.output-price-per-mtok", "1",
                "provider.bedrock.timeout", "30s"));
        p.putAll(Map.of("breaker.failure-rate-threshold", "50", "breaker.sliding-window-size", "10",
                "breaker.minimum-number-of-calls", "5", "breaker.wait-in-open-state", "1s",
                "breaker.permitted-calls-in-half-open-state", "2"));
        var missing = assertThrows(dev.aigateway.config.SettingException.class, () -> ProviderSettings.read("bedrock", p::get));
        assertTrue(missing.getMessage().startsWith("provider.bedrock.region is required for api bedrock"), missing.getMessage());
        p.put("provider.bedrock.region", "Frankfurt");
        var wrong = assertThrows(dev.aigateway.config.SettingException.class, () -> ProviderSettings.read("bedrock", p::get));
        assertTrue(wrong.getMessage().contains("must be an AWS region"), wrong.getMessage());
        p.put("provider.bedrock.region", "eu-central-1");
        assertEquals("https://bedrock-runtime.eu-central-1.amazonaws.com", ProviderSettings.read("bedrock", p::get).baseUrl(),
                "the endpoint follows from the region");
        assertEquals("eu-central-1", ((BedrockAdapter) Providers.adapterFor(ProviderSettings.read("bedrock", p::get), p::get)).region());
    }

    /** The fixture's events, encoded as AWS event-stream frames by the SDK. */
    static byte[] eventStream(String fixture) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (JsonNode e : Json.MAPPER.readTree(Fixtures.bytes(fixture))) {
            out.write(frame("event", e.path("event").asText(), Json.MAPPER.writeValueAsString(e.path("payload"))));
        }
        return out.toByteArray();
    }

    static byte[] frame(String messageType, String eventType, String payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString(messageType));
        headers.put(":event-type", HeaderValue.fromString(eventType));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        return new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer().array();
    }

    /** Read as the gateway reads a ConverseStream: 1-byte-at-a-time boundaries do not matter to the decoder. */
    List<StreamEvent> readStream(byte[] bytes) throws IOException {
        StreamParser parser = adapter.streamParser(settings);
        AwsEventStreamReader reader = new AwsEventStreamReader(new java.io.InputStream() {
            final ByteArrayInputStream in = new ByteArrayInputStream(bytes);

            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, Math.min(len, 7)); // frames arrive split across reads
            }
        });
        List<StreamEvent> out = new ArrayList<>();
        for (SseReader.Event e = reader.next(); e != null; e = reader.next()) {
            out.add(parser.parse(e.name(), e.data()));
        }
        return out;
    }
}

package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * A dead primary (openai, HTTP 500) and the next step a native adapter, against the simulator speaking each API's
 * own wire: Gemini's generateContent / streamGenerateContent SSE, Bedrock's Converse / ConverseStream event-stream
 * frames. Bedrock's calls are SigV4-signed with credentials from the AWS default chain (here its system-property
 * link), and the signature the simulator received verifies: re-signed by the SDK's signer from exactly what arrived.
 */
class NativeAdaptersFailoverTest {
    static final String ACCESS_KEY = "AKIDNATIVEFAILOVER";
    static final String SECRET = "native-failover-secret";
    static final String BEDROCK_MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    @TempDir
    static Path dir;
    static TestGateway gw;

    @BeforeAll
    static void start() throws IOException {
        // the AWS default chain's first link: system properties (removed again after the class)
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET);
        Path routes = Files.createDirectories(dir.resolve("routes"));
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(routes.resolve("chain-nativegemini.yaml"), chain("nativegemini", "openai", "gemini-native"));
        Files.writeString(routes.resolve("chain-nativebedrock.yaml"), chain("nativebedrock", "openai", "bedrock"));
        Files.writeString(routes.resolve("chain-nativeboth.yaml"), chain("nativeboth", "bedrock", "gemini-native"));
        Path key = Files.writeString(dir.resolve("gemini.key"), "gemini-test-key\n");
        gw = TestGateway.start(Map.of(
                "gateway.providers", "openai,anthropic,deepseek,gemini-native,bedrock",
                "camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml",
                "provider.gemini-native.api-key-file", key.toString(),
                "provider.bedrock.region", "eu-west-3",
                "provider.bedrock.model", BEDROCK_MODEL));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @BeforeEach
    void reset() {
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
    }

    static String chain(String name, String first, String second) {
        return "- routeTemplate:\n    id: chain-" + name + "\n    parameters:\n      - name: version\n      - name: models\n"
                + "        defaultValue: " + name + "\n    route:\n      from:\n        uri: direct:chain-" + name
                + "-{{version}}\n        steps:\n"
                + "          - setProperty: {name: midStreamFailover, constant: \"{{stream.mid-stream-failover}}\"}\n"
                + "          - to: tier:" + first + "\n          - to: tier:" + second + "\n";
    }

    static String request(String model, String text, boolean stream) {
        return "{\"model\":\"" + model + "\"" + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\""
                + text + "\"}]}";
    }

    @Test
    void deadPrimaryThenGeminiNativeAnswers() {
        HttpResponse<String> r = gw.chat(request("nativegemini", "hello gemini", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("Simulated gemini-native (gemini-2.5-flash) answering: hello gemini",
                body.at("/choices/0/message/content").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());
        assertEquals("gemini-native", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("openai,gemini-native", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals(1, gw.sim("openai").calls());
        assertEquals(1, gw.sim("gemini-native").calls());
        // what arrived was Gemini's own request, with the key in x-goog-api-key
        JsonNode sent = gw.sim("gemini-native").lastRequest();
        assertEquals("Be brief.", sent.at("/systemInstruction/parts/0/text").asText());
        assertEquals("user", sent.at("/contents/0/role").asText());
        assertEquals("hello gemini", sent.at("/contents/0/parts/0/text").asText());
        assertEquals("POST /gemini-native/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                gw.sim("gemini-native").lastTarget(), "every chat call streams from the provider");
        assertEquals("gemini-test-key", gw.sim("gemini-native").lastHeaders().get("x-goog-api-key"));
        assertTrue(body.at("/usage/prompt_tokens").asLong() > 0, body.toString());
        assertTrue(body.at("/usage/completion_tokens").asLong() > 0, body.toString());
    }

    @Test
    void deadPrimaryThenGeminiNativeStreams() {
        HttpResponse<String> r = gw.chat(request("nativegemini", "stream from gemini", true));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("gemini-native", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("Simulated gemini-native (gemini-2.5-flash) answering: stream from gemini", streamedText(r.body()));
        assertEquals("stop", lastFinish(r.body()));
        assertEquals(1, count(r.body(), "data: [DONE]"));
    }

    @Test
    void geminiPromptBlockIsTheContentFilterOutcome() {
        gw.sim("gemini-native").reply(200, Json.object().set("promptFeedback", Json.object().put("blockReason", "SAFETY")));
        HttpResponse<String> r = gw.chat(request("nativegemini", "something blocked", false));
        // gateway.content-filter=return (default): the client gets the refusal, as from Azure's content filter
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("content_filter", TestGateway.json(r).at("/choices/0/finish_reason").asText(), r.body());
        assertEquals("gemini-native", r.headers().firstValue("x-gateway-provider").orElseThrow());
    }

    @Test
    void deadPrimaryThenBedrockAnswersSigned() throws Exception {
        HttpResponse<String> r = gw.chat(request("nativebedrock", "hello bedrock", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("Simulated bedrock (" + BEDROCK_MODEL + ") answering: hello bedrock",
                body.at("/choices/0/message/content").asText());
        assertEquals("bedrock", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("openai,bedrock", r.headers().firstValue("x-gateway-attempts").orElseThrow());
        assertEquals(1, gw.sim("bedrock").calls());
        JsonNode sent = gw.sim("bedrock").lastRequest();
        assertEquals("Be brief.", sent.at("/system/0/text").asText());
        assertEquals("hello bedrock", sent.at("/messages/0/content/0/text").asText());
        assertEquals("POST /bedrock/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream",
                gw.sim("bedrock").lastTarget(), "the model id is one path segment, its ':' encoded");
        assertSignatureVerifies();
    }

    @Test
    void deadPrimaryThenBedrockStreamsEventStreamFrames() throws Exception {
        HttpResponse<String> r = gw.chat(request("nativebedrock", "stream from bedrock", true));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("bedrock", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("Simulated bedrock (" + BEDROCK_MODEL + ") answering: stream from bedrock", streamedText(r.body()));
        assertEquals("stop", lastFinish(r.body()));
        assertEquals(1, count(r.body(), "data: [DONE]"));
        assertSignatureVerifies();
    }

    @Test
    void bedrockThrottlingFallsBackToGeminiNative() {
        // chain nativeboth: bedrock, then gemini-native; Bedrock's 429 ThrottlingException is rate_limited
        gw.sim("bedrock").faults(Faults.of("rate-limit"));
        HttpResponse<String> r = gw.chat(request("nativeboth", "throttled", false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("gemini-native", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals("rate_limited", body.at("/gateway/attempts/0/outcome").asText(), body.toString());
        assertEquals(1, gw.sim("bedrock").calls());
    }

    @Test
    void bedrockStreamErrorMidAnswerIsContinuedByGeminiNative() {
        // an exception frame after 2 pieces: the stream is broken, the next step continues the answer
        gw.sim("bedrock").faults(Faults.of("error-event").withAfterChunks(2));
        HttpResponse<String> r = gw.chat(request("nativeboth", "continue me please", true));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("Simulated bedrock (" + BEDROCK_MODEL + ") answering: continue me please", streamedText(r.body()),
                "the answer is whole, no word repeated");
        assertEquals(1, gw.sim("gemini-native").calls());
        assertEquals(1, count(r.body(), "data: [DONE]"));
    }

    static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}}]";

    @Test
    void toolCallsComeBackInOpenAiShapeFromBoth() throws Exception {
        for (String chain : new String[] { "nativegemini", "nativebedrock" }) {
            String json = request(chain, "find cats", false);
            HttpResponse<String> r = gw.chat(json.substring(0, json.length() - 1) + TOOLS + "}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode call = TestGateway.json(r).at("/choices/0/message/tool_calls/0");
            assertEquals("lookup", call.at("/function/name").asText(), chain + ": " + r.body());
            assertEquals("find cats", Json.MAPPER.readTree(call.at("/function/arguments").asText()).path("query").asText());
            assertEquals("tool_calls", TestGateway.json(r).at("/choices/0/finish_reason").asText());
            // streamed: Gemini's call arrives whole, Bedrock's input in fragments; the client sees one call either way
            String streamed = request(chain, "find dogs", true);
            HttpResponse<String> s = gw.chat(streamed.substring(0, streamed.length() - 1) + TOOLS + "}");
            assertEquals(200, s.statusCode(), s.body());
            StringBuilder arguments = new StringBuilder();
            for (String line : s.body().split("\n")) {
                if (line.startsWith("data: {")) {
                    for (JsonNode c : Json.MAPPER.readTree(line.substring(6)).at("/choices/0/delta/tool_calls")) {
                        arguments.append(c.at("/function/arguments").asText(""));
                    }
                }
            }
            assertEquals("find dogs", Json.MAPPER.readTree(arguments.toString()).path("query").asText(), chain + ": " + s.body());
            assertEquals("tool_calls", lastFinish(s.body()));
        }
        assertEquals("lookup", gw.sim("gemini-native").lastRequest().at("/tools/0/functionDeclarations/0/name").asText());
        assertEquals("lookup", gw.sim("bedrock").lastRequest().at("/toolConfig/tools/0/toolSpec/name").asText());
    }

    /** Re-signs what the simulator received (method, path, Host, body, X-Amz-Date) with the SDK's signer. */
    private static void assertSignatureVerifies() {
        var sim = gw.sim("bedrock");
        Map<String, String> headers = sim.lastHeaders();
        String authorization = headers.get("authorization");
        assertNotNull(authorization, "signed");
        String date = headers.get("x-amz-date");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + "/" + date.substring(0, 8)
                + "/eu-west-3/bedrock/aws4_request, SignedHeaders="), authorization);
        Instant at = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).parse(date, Instant::from);
        String target = sim.lastTarget().substring("POST ".length());
        SdkHttpRequest received = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + headers.get("host") + target)).putHeader("Host", headers.get("host")).build();
        var resigned = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create(ACCESS_KEY, SECRET))
                .request(received).payload(ContentStreamProvider.fromByteArray(sim.lastBody()))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-3")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC)));
        assertEquals(resigned.request().firstMatchingHeader("Authorization").orElseThrow(), authorization,
                "the signature covers exactly the bytes, path and Host that arrived");
    }

    static String streamedText(String sse) {
        StringBuilder text = new StringBuilder();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {")) {
                text.append(parse(line).at("/choices/0/delta/content").asText(""));
            }
        }
        return text.toString();
    }

    static String lastFinish(String sse) {
        String finish = null;
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: {") && parse(line).at("/choices/0/finish_reason").isTextual()) {
                finish = parse(line).at("/choices/0/finish_reason").asText();
            }
        }
        return finish;
    }

    static int count(String s, String what) {
        return s.split(java.util.regex.Pattern.quote(what), -1).length - 1;
    }

    private static JsonNode parse(String dataLine) {
        try {
            return Json.MAPPER.readTree(dataLine.substring("data: ".length()));
        } catch (IOException e) {
            throw new AssertionError(dataLine, e);
        }
    }
}

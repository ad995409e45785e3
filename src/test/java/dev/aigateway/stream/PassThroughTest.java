package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.OpenAiCompatibleAdapter;
import dev.aigateway.provider.ProviderSettings;

/**
 * An OpenAI chat client streamed from an OpenAI-compatible provider gets the provider's text chunks as they were
 * written (PlainChunk), without a tree per event. What reaches the client must be byte for byte what the tree path
 * writes (every chunk read to a tree, usage taken out, one id and created, Jackson writing it back): each stream
 * here is relayed over a real Vert.x response twice, once as an OpenAI chat client gets it and once through a
 * dialect that only takes trees (the path every chunk took before), and the two wires compared.
 */
class PassThroughTest {
    static Vertx vertx;
    static AnswerStreams config;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        config = new AnswerStreams(5000, 5000, "continue", "go on", false, new GatewayMetrics(new SimpleMeterRegistry()));
    }

    @AfterAll
    static void stop() throws Exception {
        config.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    static String chunk(String id, long created, String choice, String extra) {
        return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":" + created
                + ",\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",\"choices\":[" + choice + "]" + extra + "}\n\n";
    }

    static String text(String content) {
        return "{\"index\":0,\"delta\":{\"content\":" + Json.MAPPER.valueToTree(content) + "},\"logprobs\":null,\"finish_reason\":null}";
    }

    /** Today's OpenAI wire with stream_options.include_usage: "usage":null on every chunk, then a usage chunk. */
    static String openAiToday(String id, long created, String... words) {
        StringBuilder sb = new StringBuilder(chunk(id, created,
                "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}",
                ",\"usage\":null,\"obfuscation\":\"x1\""));
        for (String w : words) {
            sb.append(chunk(id, created, text(w), ",\"usage\":null,\"obfuscation\":\"x2\""));
        }
        sb.append(chunk(id, created, "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}", ",\"usage\":null"));
        sb.append(chunk(id, created, "", ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":" + words.length
                + ",\"total_tokens\":" + (9 + words.length) + "}"));
        return sb.append("data: [DONE]\n\n").toString();
    }

    @Test
    void aPlainStreamReachesTheClientByteForByteAsTheTreePathWroteIt() throws Exception {
        String upstream = openAiToday("chatcmpl-1", 1727346168, "Hello", " wörld", " 👋", " <b>&amp;</b>", " done.");
        Wire plain = relay(upstream, ChatChunkSse.INSTANCE);
        Wire trees = relay(upstream, new TreesOnly());
        assertEquals(trees.body, plain.body);
        // and it is the wire an OpenAI client expects: role first, text, the gateway's finish, usage, [DONE]
        List<JsonNode> events = plain.events();
        assertEquals("assistant", events.get(0).at("/choices/0/delta/role").asText());
        assertEquals("Hello wörld 👋 <b>&amp;</b> done.", plain.text());
        events.forEach(e -> assertEquals("chatcmpl-1", e.path("id").asText()));
        assertFalse(plain.body.contains("\"usage\":null"), "usage is taken out of every chunk passed on");
        assertTrue(plain.body.contains("\"obfuscation\":\"x2\""), "fields the gateway does not know pass as they came");
        assertEquals("stop", events.get(events.size() - 2).at("/choices/0/finish_reason").asText());
        assertEquals(14, events.get(events.size() - 1).at("/usage/total_tokens").asInt());
        assertTrue(plain.body.endsWith("data: [DONE]\n\n"));
        assertEquals(5, plain.result.completionTokens());
        assertEquals(9, plain.result.promptTokens());
    }

    @Test
    void aRecordedOpenAiStreamIsTheSameWireOnBothPaths() throws Exception {
        String upstream = new String(fixture("openai/chat-stream-include-usage.sse"), StandardCharsets.UTF_8);
        Wire plain = relay(upstream, ChatChunkSse.INSTANCE);
        assertEquals(relay(upstream, new TreesOnly()).body, plain.body);
        assertTrue(plain.text().startsWith("I'm unable to provide real-time weather updates."));
        assertEquals(44, plain.result.promptTokens() + plain.result.completionTokens());
    }

    /** Chunks the tree path rewrites (another created, a new id, spaces, escapes) come out rewritten as before. */
    @Test
    void chunksThatNeedARewriteAreRewrittenAsBefore() throws Exception {
        String upstream = chunk("chatcmpl-2", 100, text("One"), "")
                + chunk("chatcmpl-2", 101, text(" two"), "") // llama.cpp: created per chunk
                + chunk("chatcmpl-other", 100, text(" three"), "") // another id
                + "data: {\"id\": \"chatcmpl-2\", \"created\": 100, \"choices\": [{\"index\": 0, \"delta\": {\"content\": \" four\"}}]}\n\n"
                + chunk("chatcmpl-2", 100, text(" \"five\"\\"), "")
                + chunk("chatcmpl-2", 100, "{\"index\":0,\"delta\":{\"content\":\" six\"},\"finish_reason\":\"stop\"}", "")
                + "data: [DONE]\n\n";
        Wire plain = relay(upstream, ChatChunkSse.INSTANCE);
        assertEquals(relay(upstream, new TreesOnly()).body, plain.body);
        assertEquals("One two three four \"five\"\\ six", plain.text());
        plain.events().forEach(e -> {
            assertEquals("chatcmpl-2", e.path("id").asText());
            assertEquals(100, e.path("created").asLong());
        });
        assertEquals(1, plain.body.split("\"finish_reason\":\"stop\"", -1).length - 1, "one finish chunk: the gateway's");
    }

    @Test
    void aToolCallStreamStillWorks() throws Exception {
        String upstream = new String(fixture("openai/chat-stream-tool-call.sse"), StandardCharsets.UTF_8);
        Wire plain = relay(upstream, ChatChunkSse.INSTANCE);
        assertEquals(relay(upstream, new TreesOnly()).body, plain.body);
        StringBuilder args = new StringBuilder();
        plain.events().forEach(e -> e.at("/choices/0/delta/tool_calls").forEach(c -> args.append(c.at("/function/arguments").asText())));
        assertEquals("{\"city\":\"New York City\"}", args.toString());
        assertEquals("get_weather", plain.events().get(0).at("/choices/0/delta/tool_calls/0/function/name").asText());
        assertEquals("tool_calls", plain.result.finishReason());
    }

    /**
     * A stream cut halfway is continued by the next provider: its chunks take the answer's id, its first loses a
     * doubled space; also when the next provider's chunks carry the same id (a server with a fixed id).
     */
    @ParameterizedTest
    @ValueSource(strings = {"chatcmpl-b", "chatcmpl-a"})
    void aContinuationIsSplicedOntoTheAnswerAsBefore(String nextId) throws Exception {
        String cut = openAiToday("chatcmpl-a", 500, "The", " answer", " is ");
        cut = cut.substring(0, cut.indexOf("data: {", cut.indexOf("\"content\":\" is \""))); // no finish, no [DONE]
        String next = openAiToday(nextId, 500, " forty", " two.");
        Wire plain = relay(List.of(cut, next), ChatChunkSse.INSTANCE);
        Wire trees = relay(List.of(cut, next), new TreesOnly());
        assertEquals(trees.body, plain.body);
        assertEquals("The answer is forty two.", plain.text());
        plain.events().forEach(e -> assertEquals("chatcmpl-a", e.path("id").asText()));
        assertEquals(2, plain.parts);
    }

    /** Every chunk as a tree, written by the OpenAI chat dialect: the gateway's path for every chunk before PlainChunk. */
    static final class TreesOnly implements SseDialect {
        @Override
        public void chunk(ObjectNode chunk, Consumer<byte[]> out) {
            ChatChunkSse.INSTANCE.chunk(chunk, out);
        }

        @Override
        public void restart(ObjectNode marker, Consumer<byte[]> out) {
            ChatChunkSse.INSTANCE.restart(marker, out);
        }

        @Override
        public void end(ObjectNode finish, ObjectNode usage, Consumer<byte[]> out) {
            ChatChunkSse.INSTANCE.end(finish, usage, out);
        }

        @Override
        public void fail(ObjectNode errorBody, Consumer<byte[]> out) {
            ChatChunkSse.INSTANCE.fail(errorBody, out);
        }
    }

    record Wire(String body, ChatResult result, int parts) {
        List<JsonNode> events() {
            List<JsonNode> out = new ArrayList<>();
            for (String frame : body.split("\n\n")) {
                if (!frame.equals("data: [DONE]")) {
                    try {
                        out.add(Json.MAPPER.readTree(frame.substring("data: ".length())));
                    } catch (java.io.IOException e) {
                        throw new AssertionError("not JSON: " + frame, e);
                    }
                }
            }
            return out;
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            events().forEach(e -> sb.append(e.at("/choices/0/delta/content").asText("")));
            return sb.toString();
        }
    }

    Wire relay(String upstream, SseDialect dialect) throws Exception {
        return relay(List.of(upstream), dialect);
    }

    /** Relays each upstream body in turn (a broken one hands over to the next) to a real HTTP client. */
    Wire relay(List<String> upstreams, SseDialect dialect) throws Exception {
        CompletableFuture<Object> done = new CompletableFuture<>();
        HttpServer server = vertx.createHttpServer().requestHandler(req -> new Thread(() -> {
            SseClient sse = new SseClient(req.response(), dialect, "req-1", "default", "", 1000);
            AnswerStream answer = new AnswerStream(sse, config);
            try {
                ChatResult result = null;
                int part = 0;
                for (String body : upstreams) {
                    ProviderSettings settings = settings("p" + part++);
                    try {
                        result = ProviderStream.relay(answer, settings, new OpenAiCompatibleAdapter(),
                                new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)), 40, System.nanoTime(), 0);
                        break;
                    } catch (StreamBrokenException broken) {
                        // the next provider takes over
                    }
                }
                sse.end(answer.finishChunk(result.finishReason(), Json.object().put("chain", "default")), answer.usageChunk(result));
                done.complete(new Object[] {result, answer.usage().parts()});
            } catch (Throwable t) {
                done.complete(t);
                req.response().reset();
            }
        }).start()).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.actualPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            Object outcome = done.get(5, TimeUnit.SECONDS);
            if (outcome instanceof Throwable t) {
                throw new AssertionError("the relay failed", t);
            }
            Object[] r = (Object[]) outcome;
            assertEquals("text/event-stream; charset=utf-8", response.headers().firstValue("content-type").orElse(null));
            return new Wire(response.body(), (ChatResult) r[0], (Integer) r[1]);
        } finally {
            server.close();
        }
    }

    static byte[] fixture(String path) throws java.io.IOException {
        try (var in = PassThroughTest.class.getResourceAsStream("/fixtures/" + path)) {
            return in.readAllBytes();
        }
    }

    static ProviderSettings settings(String name) {
        return new ProviderSettings(name, "openai", "http://x", name + "-model", 1024, 1, 1, 30_000, null, null, null,
                new ProviderSettings.BreakerSettings(50, 4, 4, 1000, 2), false);
    }

    @Test
    void theHarnessSeesABrokenStream() {
        // a stream that ends without a finish reason is broken on both paths (no answer to compare)
        assertThrows(Exception.class, () -> relay(chunk("c", 1, text("cut"), ""), ChatChunkSse.INSTANCE));
    }
}

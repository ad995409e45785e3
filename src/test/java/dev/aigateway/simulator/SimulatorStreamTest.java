package dev.aigateway.simulator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.aigateway.api.Json;
import dev.aigateway.stream.SseReader;

/** Streamed answers, stream faults, tool calls and continuations of the provider simulator, over real HTTP/1.1. */
@Timeout(20)
class SimulatorStreamTest {
    private static final String QUESTION = "tell me about streams please";
    private static final String OPENAI_ANSWER = "Simulated openai (gpt-4.1) answering: " + QUESTION;
    private static final String ANTHROPIC_ANSWER = "Simulated anthropic (claude-sonnet-4-6) answering: " + QUESTION;

    /** SimulatedUsage of the answers: Simulated(3) openai(2) ( gpt - 4 . 1 ) answering(3) :(1) + the question (8). */
    private static final long OPENAI_TOKENS = 24;
    /** Simulated(3) anthropic(3) ( claude(2) - sonnet(2) - 4 - 5 ) answering(3) :(1) + the question (8). */
    private static final long ANTHROPIC_TOKENS = 29;
    /** One message: tell me about(2) streams(2) please(2) = 8, + 4 per message + 3 per request. */
    private static final long QUESTION_PROMPT_TOKENS = 15;

    private static ProviderSimulator sim;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        sim = new ProviderSimulator("127.0.0.1").start(0);
        sim.provider("openai", "openai", 0);
        sim.provider("anthropic", "anthropic", 0);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @BeforeEach
    void reset() {
        sim.provider("openai").reset();
        sim.provider("anthropic").reset();
    }

    // ---- whole streams

    @Test
    void openAiStreamPiecesMakeTheNonStreamingAnswer() throws Exception {
        JsonNode whole = post("openai", openAi(false, user(QUESTION)));
        assertEquals(OPENAI_ANSWER, whole.at("/choices/0/message/content").asText());
        assertEquals(OPENAI_TOKENS, whole.at("/usage/completion_tokens").asLong(), "by SimulatedUsage, not per piece (9)");
        assertEquals(QUESTION_PROMPT_TOKENS, whole.at("/usage/prompt_tokens").asLong());
        assertEquals(new ProviderSimulator.Usage(QUESTION_PROMPT_TOKENS, OPENAI_TOKENS), sim.provider("openai").lastUsage());

        try (Sse s = stream("openai", openAi(true, user(QUESTION)))) {
            assertEquals(200, s.response.statusCode());
            assertTrue(s.response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
            List<Event> events = s.readAll();
            JsonNode role = events.get(0).json();
            assertEquals("chat.completion.chunk", role.path("object").asText());
            assertTrue(role.path("id").asText().startsWith("chatcmpl-sim"));
            assertEquals("gpt-4.1", role.path("model").asText());
            assertEquals("assistant", role.at("/choices/0/delta/role").asText());
            assertEquals("", role.at("/choices/0/delta/content").asText("x"));

            List<String> pieces = contentPieces(events);
            assertEquals(List.of("Simulated", " openai", " (gpt-4.1)", " answering:", " tell", " me", " about",
                    " streams", " please"), pieces);
            assertEquals(OPENAI_ANSWER, String.join("", pieces));

            JsonNode finish = events.get(events.size() - 2).json();
            assertEquals("stop", finish.at("/choices/0/finish_reason").asText());
            assertTrue(finish.at("/choices/0/delta").isEmpty());
            assertEquals("[DONE]", events.get(events.size() - 1).data());
            assertEquals(1 + pieces.size() + 2, events.size(), "no usage chunk unless asked");
            assertTrue(events.stream().noneMatch(e -> e.data().contains("\"usage\"")));
        }
        assertEquals(1, sim.provider("openai").streams());
        assertEquals(2, sim.provider("openai").calls());
        assertEquals(OPENAI_ANSWER, sim.provider("openai").lastAnswer());
        assertTrue(sim.provider("openai").lastRequest().path("stream").asBoolean());
    }

    @Test
    void openAiUsageChunkOnlyWhenAsked() throws Exception {
        ObjectNode body = openAi(true, user(QUESTION));
        body.putObject("stream_options").put("include_usage", true);
        try (Sse s = stream("openai", body)) {
            List<Event> events = s.readAll();
            assertEquals("[DONE]", events.get(events.size() - 1).data());
            JsonNode usage = events.get(events.size() - 2).json();
            assertTrue(usage.path("choices").isArray() && usage.path("choices").isEmpty());
            long completion = usage.at("/usage/completion_tokens").asLong();
            assertEquals(OPENAI_TOKENS, completion);
            assertNotEquals(contentPieces(events).size(), completion, "not one token per piece");
            assertEquals(QUESTION_PROMPT_TOKENS, usage.at("/usage/prompt_tokens").asLong());
            assertEquals(usage.at("/usage/prompt_tokens").asLong() + completion, usage.at("/usage/total_tokens").asLong());
            assertEquals("stop", events.get(events.size() - 3).json().at("/choices/0/finish_reason").asText());
        }
    }

    @Test
    void anthropicStreamHasTheEventSequence() throws Exception {
        try (Sse s = stream("anthropic", anthropic(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            List<String> names = events.stream().map(Event::name).toList();
            int n = SimulatedAnswer.pieces(ANTHROPIC_ANSWER).size();
            List<String> expected = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
            for (int i = 0; i < n; i++) {
                expected.add("content_block_delta");
            }
            expected.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
            assertEquals(expected, names);

            JsonNode start = events.get(0).json().path("message");
            assertTrue(start.path("id").asText().startsWith("msg_sim"));
            assertEquals("claude-sonnet-4-6", start.path("model").asText());
            assertEquals(QUESTION_PROMPT_TOKENS, start.at("/usage/input_tokens").asLong());
            assertEquals(1, start.at("/usage/output_tokens").asLong());
            assertEquals("text", events.get(1).json().at("/content_block/type").asText());
            assertEquals(ANTHROPIC_ANSWER, String.join("", textDeltas(events)));
            JsonNode delta = events.get(events.size() - 2).json();
            assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
            assertEquals(ANTHROPIC_TOKENS, delta.at("/usage/output_tokens").asLong(), "cumulative, the whole answer");
            assertNotEquals(n, ANTHROPIC_TOKENS);
            assertTrue(events.stream().noneMatch(e -> "[DONE]".equals(e.data())));
        }
    }

    // ---- stream faults

    @Test
    void cutClosesTheConnectionAfterExactlyAfterChunksPieces() throws Exception {
        admin("openai", "{\"fault\":\"cut\",\"after_chunks\":2,\"chunk_ms\":5}");
        try (Sse s = stream("openai", openAi(true, user(QUESTION)))) {
            assertEquals(200, s.response.statusCode());
            List<Event> events = new ArrayList<>();
            IOException broken = null;
            try {
                for (Event e = s.next(); e != null; e = s.next()) {
                    events.add(e);
                }
            } catch (IOException e) {
                broken = e;
            }
            assertEquals(List.of("Simulated", " openai"), contentPieces(events));
            assertEquals(3, events.size(), "role chunk and two pieces, nothing else: " + events);
            assertNotNull(broken, "a cut is no clean end of the body");
        }
        assertEquals(OPENAI_ANSWER, sim.provider("openai").lastAnswer(), "the text it started answering");
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.provider("openai").inFlight() == 0);
    }

    @Test
    void truncateEndsTheBodyWithoutTheEndOfTheAnswer() throws Exception {
        admin("anthropic", "{\"fault\":\"truncate\",\"after_chunks\":3,\"chunk_ms\":0}");
        try (Sse s = stream("anthropic", anthropic(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            assertEquals(List.of("message_start", "content_block_start", "ping", "content_block_delta",
                    "content_block_delta", "content_block_delta"), events.stream().map(Event::name).toList());
            assertEquals("Simulated anthropic (claude-sonnet-4-6)", String.join("", textDeltas(events)));
        }
    }

    @Test
    void stallSendsNothingMoreAndReleasesTheCallWhenTheClientLeaves() throws Exception {
        admin("openai", "{\"fault\":\"stall\",\"after_chunks\":2,\"chunk_ms\":5}");
        Sse s = stream("openai", openAi(true, user(QUESTION)));
        List<Event> first = List.of(s.next(), s.next(), s.next());
        assertEquals(List.of("Simulated", " openai"), contentPieces(first));
        CompletableFuture<Event> more = CompletableFuture.supplyAsync(() -> {
            try {
                return s.next();
            } catch (IOException e) {
                return null;
            }
        });
        assertThrows(TimeoutException.class, () -> more.get(500, TimeUnit.MILLISECONDS), "a stall sends nothing more");
        assertEquals(1, sim.provider("openai").inFlight());
        s.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> sim.provider("openai").inFlight() == 0);
    }

    @Test
    void errorEventInBothFormats() throws Exception {
        admin("openai", "{\"fault\":\"error-event\",\"after_chunks\":1,\"chunk_ms\":0}");
        try (Sse s = stream("openai", openAi(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            assertEquals(3, events.size(), events.toString());
            assertEquals(List.of("Simulated"), contentPieces(events));
            Event error = events.get(2);
            assertNull(error.name(), "OpenAI errors come without an event: line");
            assertEquals("server_error", error.json().at("/error/type").asText());
            assertTrue(error.json().at("/error/message").asText().contains("(simulated)"));
        }
        admin("anthropic", "{\"fault\":\"error-event\",\"after_chunks\":1,\"chunk_ms\":0}");
        try (Sse s = stream("anthropic", anthropic(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            Event error = events.get(events.size() - 1);
            assertEquals("error", error.name());
            assertEquals("overloaded_error", error.json().at("/error/type").asText());
            assertEquals(List.of("Simulated"), textDeltas(events));
            assertTrue(events.stream().noneMatch(e -> "message_stop".equals(e.name())));
        }
    }

    @Test
    void malformedSendsOneBrokenEvent() throws Exception {
        admin("openai", "{\"fault\":\"malformed\",\"after_chunks\":3,\"chunk_ms\":0}");
        try (Sse s = stream("openai", openAi(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            assertEquals(5, events.size(), events.toString());
            assertEquals("{\"choices\":[{\"index\":0,\"delta\":{\"content\":tru", events.get(4).data());
            assertThrows(IOException.class, () -> Json.MAPPER.readTree(events.get(4).data()));
        }
        admin("anthropic", "{\"fault\":\"malformed\",\"after_chunks\":0,\"chunk_ms\":0}");
        try (Sse s = stream("anthropic", anthropic(true, user(QUESTION)))) {
            List<Event> events = s.readAll();
            Event last = events.get(events.size() - 1);
            assertEquals(4, events.size(), events.toString());
            assertEquals("content_block_delta", last.name());
            assertTrue(last.data().endsWith("\"text\":tru"));
        }
    }

    @Test
    void streamFaultsWithoutStreaming() throws Exception {
        sim.provider("openai").faults(Faults.of("error-event"));
        HttpResponse<String> r = postRaw("openai", openAi(false, user(QUESTION)));
        assertEquals(500, r.statusCode());
        assertEquals("server_error", Json.MAPPER.readTree(r.body()).at("/error/type").asText());

        sim.provider("openai").faults(Faults.of("malformed"));
        r = postRaw("openai", openAi(false, user(QUESTION)));
        assertEquals(200, r.statusCode());
        assertEquals("{\"choices\": [tru", r.body());

        sim.provider("openai").faults(Faults.of("cut"));
        assertThrows(IOException.class, () -> postRaw("openai", openAi(false, user(QUESTION))));
    }

    @Test
    void requestFaultsComeBeforeTheStream() throws Exception {
        sim.provider("anthropic").faults(Faults.of("overloaded"));
        HttpResponse<String> r = postRaw("anthropic", anthropic(true, user(QUESTION)));
        assertEquals(529, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("application/json"));
        assertEquals("overloaded_error", Json.MAPPER.readTree(r.body()).at("/error/type").asText());
        assertEquals(1, sim.provider("anthropic").streams());
    }

    @Test
    void piecesArePacedByChunkMs() throws Exception {
        sim.provider("openai").faults(Faults.none(0).withChunkMs(60));
        long t0 = System.nanoTime();
        try (Sse s = stream("openai", openAi(true, user("a b c")))) {
            assertEquals("Simulated openai (gpt-4.1) answering: a b c", String.join("", contentPieces(s.readAll())));
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms >= 6 * 60, "7 pieces, 6 pauses of 60 ms, took " + ms + " ms");
    }

    // ---- tool calls

    @Test
    void openAiToolCallStreamsItsArguments() throws Exception {
        String question = "weather in \"Paris\"?";
        ObjectNode body = openAi(true, user(question));
        body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup")
                .putObject("parameters").put("type", "object");
        try (Sse s = stream("openai", body)) {
            List<Event> events = s.readAll();
            JsonNode head = events.get(1).json().at("/choices/0/delta/tool_calls/0");
            assertTrue(head.path("id").asText().startsWith("call_sim"));
            assertEquals("function", head.path("type").asText());
            assertEquals("lookup", head.at("/function/name").asText());
            assertEquals("", head.at("/function/arguments").asText("x"));
            StringBuilder args = new StringBuilder();
            for (Event e : events.subList(2, events.size() - 2)) {
                JsonNode call = e.json().at("/choices/0/delta/tool_calls/0");
                assertEquals(0, call.path("index").asInt());
                assertTrue(call.at("/function/arguments").asText().length() <= 9);
                args.append(call.at("/function/arguments").asText());
            }
            assertEquals(Json.object().put("query", question).toString(), args.toString());
            assertEquals(question, Json.MAPPER.readTree(args.toString()).path("query").asText());
            assertEquals("tool_calls", events.get(events.size() - 2).json().at("/choices/0/finish_reason").asText());
        }

        ObjectNode plain = openAi(false, user(question));
        plain.set("tools", body.get("tools"));
        JsonNode whole = post("openai", plain);
        JsonNode message = whole.at("/choices/0/message");
        assertTrue(message.path("content").isNull());
        assertEquals("tool_calls", whole.at("/choices/0/finish_reason").asText());
        assertEquals("{\"query\":\"weather in \\\"Paris\\\"?\"}", message.at("/tool_calls/0/function/arguments").asText());

        ObjectNode off = openAi(false, user(question));
        off.set("tools", body.get("tools"));
        off.put("tool_choice", "none");
        assertEquals("Simulated openai (gpt-4.1) answering: " + question,
                post("openai", off).at("/choices/0/message/content").asText());
    }

    @Test
    void anthropicToolUseStreamsPartialJson() throws Exception {
        ObjectNode body = anthropic(true, user(QUESTION));
        body.putArray("tools").addObject().put("name", "search").putObject("input_schema").put("type", "object");
        try (Sse s = stream("anthropic", body)) {
            List<Event> events = s.readAll();
            JsonNode block = events.get(1).json().path("content_block");
            assertEquals("tool_use", block.path("type").asText());
            assertEquals("search", block.path("name").asText());
            assertTrue(block.path("id").asText().startsWith("toolu_sim"));
            assertTrue(block.path("input").isObject() && block.path("input").isEmpty());
            StringBuilder json = new StringBuilder();
            events.stream().filter(e -> "content_block_delta".equals(e.name())).map(Event::json).forEach(d -> {
                assertEquals("input_json_delta", d.at("/delta/type").asText());
                json.append(d.at("/delta/partial_json").asText());
            });
            assertEquals("{\"query\":\"" + QUESTION + "\"}", json.toString());
            assertEquals("tool_use", events.get(events.size() - 2).json().at("/delta/stop_reason").asText());
        }
        JsonNode whole = post("anthropic", anthropic(false, user(QUESTION)).set("tools", body.get("tools")));
        assertEquals("tool_use", whole.path("stop_reason").asText());
        assertEquals(QUESTION, whole.at("/content/0/input/query").asText());
        assertEquals("search", whole.at("/content/0/name").asText());
    }

    @Test
    void aCutCanLandInsideAToolCall() throws Exception {
        admin("openai", "{\"fault\":\"cut\",\"after_chunks\":2,\"chunk_ms\":0}");
        ObjectNode body = openAi(true, user(QUESTION));
        body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "lookup");
        try (Sse s = stream("openai", body)) {
            List<Event> events = new ArrayList<>();
            assertThrows(IOException.class, () -> {
                for (Event e = s.next(); e != null; e = s.next()) {
                    events.add(e);
                }
            });
            assertEquals(4, events.size(), "role, tool head, two argument pieces: " + events);
            assertEquals("{\"query\":\"tell m",
                    events.get(2).json().at("/choices/0/delta/tool_calls/0/function/arguments").asText()
                            + events.get(3).json().at("/choices/0/delta/tool_calls/0/function/arguments").asText());
        }
    }

    // ---- continuation

    @Test
    void continuationOfAPrefill() throws Exception {
        ArrayNode messages = user(QUESTION);
        messages.addObject().put("role", "assistant").put("content", "Simulated openai (gpt-4.1) answering: tell me");
        JsonNode whole = post("anthropic", anthropic(false, messages));
        assertEquals(" about streams please", whole.at("/content/0/text").asText());
        assertEquals(6, whole.at("/usage/output_tokens").asLong(), "only the continuation: about(2) streams(2) please(2)");

        try (Sse s = stream("anthropic", anthropic(true, messages))) {
            assertEquals(List.of(" about", " streams", " please"), textDeltas(s.readAll()));
        }
        assertEquals(" about streams please", sim.provider("anthropic").lastAnswer());
    }

    @Test
    void continuationAfterAnInstructionRebuildsTheCutAnswer() throws Exception {
        admin("openai", "{\"fault\":\"cut\",\"after_chunks\":5,\"chunk_ms\":0}");
        String partial;
        try (Sse s = stream("openai", openAi(true, user(QUESTION)))) {
            List<Event> events = new ArrayList<>();
            assertThrows(IOException.class, () -> {
                for (Event e = s.next(); e != null; e = s.next()) {
                    events.add(e);
                }
            });
            partial = String.join("", contentPieces(events));
        }
        assertEquals("Simulated openai (gpt-4.1) answering: tell", partial);

        // the partial as blocks, trimmed as gateways do, then a user instruction
        ArrayNode messages = user(QUESTION);
        messages.addObject().put("role", "assistant").putArray("content").addObject().put("type", "text")
                .put("text", partial.trim());
        messages.addObject().put("role", "user").put("content", "Continue exactly where you stopped.");
        try (Sse s = stream("anthropic", anthropic(true, messages))) {
            List<String> rest = textDeltas(s.readAll());
            assertEquals(" me", rest.get(0));
            assertEquals(OPENAI_ANSWER, partial + String.join("", rest));
        }
        sim.provider("openai").faults(Faults.none(0));
        try (Sse s = stream("openai", openAi(true, messages))) {
            assertEquals(" me about streams please", String.join("", contentPieces(s.readAll())));
        }
    }

    @Test
    void anOrdinaryConversationIsNoContinuation() throws Exception {
        ArrayNode messages = user("first question");
        messages.addObject().put("role", "assistant").put("content", "Sure, here you are.");
        messages.addObject().put("role", "user").put("content", "second question");
        assertEquals("Simulated openai (gpt-4.1) answering: second question",
                post("openai", openAi(false, messages)).at("/choices/0/message/content").asText());

        // a complete earlier answer is nothing to continue either
        ArrayNode done = user(QUESTION);
        done.addObject().put("role", "assistant").put("content", OPENAI_ANSWER);
        done.addObject().put("role", "user").put("content", "and more?");
        assertEquals("Simulated openai (gpt-4.1) answering: and more?",
                post("openai", openAi(false, done)).at("/choices/0/message/content").asText());
    }

    // ---- fault settings

    @Test
    void afterChunksAndChunkMsMergeFromTheAdminJson() throws Exception {
        Faults defaults = Faults.of("cut");
        assertEquals(3, defaults.afterChunks());
        assertEquals(20, defaults.chunkMs());
        assertEquals(7, defaults.withAfterChunks(7).afterChunks());
        assertEquals(5, defaults.withChunkMs(5).withStatus(502).chunkMs());

        JsonNode state = admin("openai", "{\"fault\":\"stall\",\"latency_ms\":15}");
        assertEquals(3, state.path("after_chunks").asInt());
        assertEquals(20, state.path("chunk_ms").asLong());
        state = admin("openai", "{\"after_chunks\":4,\"chunk_ms\":9}");
        assertEquals("stall", state.path("fault").asText());
        assertEquals(4, state.path("after_chunks").asInt());
        assertEquals(9, state.path("chunk_ms").asLong());
        assertEquals(15, state.path("latency_ms").asLong());
        assertEquals(new Faults("stall", 1.0, 15, 500, -1, 4, 9), sim.provider("openai").faults());

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(uri("/_sim/openai"))
                .PUT(HttpRequest.BodyPublishers.ofString("{\"after_chunks\":-1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());

        sim.provider("openai").reset();
        assertEquals(0, sim.provider("openai").streams());
        assertNull(sim.provider("openai").lastRequest());
        assertNull(sim.provider("openai").lastAnswer());
    }

    @Test
    void usageFollowsItsOwnRuleNotThePieces() {
        assertEquals(OPENAI_TOKENS, SimulatedUsage.tokens(OPENAI_ANSWER));
        assertEquals(ANTHROPIC_TOKENS, SimulatedUsage.tokens(ANTHROPIC_ANSWER));
        assertEquals(0, SimulatedUsage.tokens("  "));
        assertEquals(3, SimulatedUsage.tokens("abcdefghi"), "a word: one token per started 4 characters");
        assertEquals(4, SimulatedUsage.tokens("{\"a\""), "punctuation: one token each");
        ObjectNode anthropic = anthropic(false, user(QUESTION));
        anthropic.put("system", "Be brief.");
        assertEquals(QUESTION_PROMPT_TOKENS + 4 + 4, SimulatedUsage.promptTokens(anthropic), "system: Be brief(2) . + 4");
    }

    @Test
    void piecesJoinBackToTheText() {
        assertEquals(List.of(" me", " about", " ", " x"), SimulatedAnswer.pieces(" me about  x"));
        for (String t : List.of("a", " lead", "two  spaces", "end ", "x y z")) {
            assertEquals(t, String.join("", SimulatedAnswer.pieces(t)));
        }
        assertEquals(List.of("two", " ", " spaces"), SimulatedAnswer.pieces("two  spaces"));
        assertFalse(SimulatedAnswer.pieces(" lead").isEmpty());
    }

    // ---- helpers

    private static ArrayNode user(String text) {
        ArrayNode messages = Json.MAPPER.createArrayNode();
        messages.addObject().put("role", "user").put("content", text);
        return messages;
    }

    private static ObjectNode openAi(boolean stream, ArrayNode messages) {
        ObjectNode body = Json.object().put("model", "gpt-4.1").put("stream", stream);
        body.set("messages", messages.deepCopy());
        return body;
    }

    private static ObjectNode anthropic(boolean stream, ArrayNode messages) {
        ObjectNode body = Json.object().put("model", "claude-sonnet-4-6").put("max_tokens", 100).put("stream", stream);
        body.set("messages", messages.deepCopy());
        return body;
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + sim.port() + path);
    }

    private static URI chatUri(String provider) {
        return uri("/" + provider + ("anthropic".equals(provider) ? "/v1/messages" : "/v1/chat/completions"));
    }

    private static HttpResponse<String> postRaw(String provider, JsonNode body) throws Exception {
        return http.send(HttpRequest.newBuilder(chatUri(provider)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode post(String provider, JsonNode body) throws Exception {
        HttpResponse<String> r = postRaw(provider, body);
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static JsonNode admin(String provider, String patch) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/_sim/" + provider))
                .PUT(HttpRequest.BodyPublishers.ofString(patch)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static Sse stream(String provider, JsonNode body) throws Exception {
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(chatUri(provider)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode(), () -> "not a stream: " + r.headers().map());
        return new Sse(r);
    }

    /** The text deltas of an OpenAI stream. */
    private static List<String> contentPieces(List<Event> events) {
        List<String> out = new ArrayList<>();
        for (Event e : events) {
            JsonNode content = e.json().at("/choices/0/delta/content");
            if (content.isTextual() && e.json().at("/choices/0/delta/role").isMissingNode()) {
                out.add(content.asText());
            }
        }
        return out;
    }

    /** The text_delta texts of an Anthropic stream. */
    private static List<String> textDeltas(List<Event> events) {
        return events.stream().filter(e -> "content_block_delta".equals(e.name()))
                .map(e -> e.json().at("/delta/text").asText()).toList();
    }

    /** One Server-Sent Event: its {@code event:} name (null if none) and data. */
    record Event(String name, String data) {
        JsonNode json() {
            try {
                return "[DONE]".equals(data) ? Json.object() : Json.MAPPER.readTree(data);
            } catch (IOException e) {
                return Json.object(); // the malformed event: asserted on its raw data
            }
        }
    }

    /** Reads a response body event by event, as it arrives, with the gateway's own {@link SseReader}. */
    static final class Sse implements AutoCloseable {
        final HttpResponse<InputStream> response;
        private final SseReader reader;

        Sse(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new SseReader(response.body());
        }

        /** The next event, or null at a clean end of the body; IOException when the connection breaks. */
        Event next() throws IOException {
            SseReader.Event e = reader.next();
            return e == null ? null : new Event(e.name(), e.data());
        }

        List<Event> readAll() throws IOException {
            List<Event> out = new ArrayList<>();
            for (Event e = next(); e != null; e = next()) {
                out.add(e);
            }
            return out;
        }

        @Override
        public void close() throws IOException {
            response.body().close();
        }
    }
}

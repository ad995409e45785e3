package dev.aigateway.responses;

import dev.aigateway.NodeScripts;
import dev.aigateway.NodeScripts.Result;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * The official OpenAI Node SDK (src/test/node/responses.mjs, the pinned {@code openai} package) on
 * {@code POST /v1/responses}, unchanged: {@code client.responses.create} plain and streamed, and the SDK's own
 * stream accumulator, while the primary provider is down or breaks mid-answer.
 */
class ResponsesSdkTest {
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        NodeScripts.install("openai");
        gw = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void plainThroughAFailover() throws Exception {
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        List<JsonNode> lines = lines(run(List.of("node", "responses.mjs", "plain", "Is the SDK happy?"), 60));
        JsonNode answer = lines.get(0);
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: Is the SDK happy?", answer.path("output_text").asText(),
                "the SDK's output_text, from the output items");
        assertEquals("completed", answer.path("status").asText());
        assertEquals("anthropic", answer.path("provider").asText());
        assertEquals("openai,anthropic", answer.path("attempts").asText());
        assertEquals("anthropic", answer.at("/gateway/provider").asText());
        assertEquals(gw.sim("anthropic").lastUsage().completion(), answer.at("/usage/output_tokens").asLong());
        assertEquals(1, gw.sim("openai").calls(), "the SDK's retries are off; the gateway fell back once");
    }

    @Test
    void streamedThroughAFailover() throws Exception {
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        String question = "Streams through a failover?";
        List<JsonNode> lines = lines(run(List.of("node", "responses.mjs", "stream", question), 60));
        String expected = "Simulated anthropic (claude-sonnet-4-6) answering: " + question;
        JsonNode raw = lines.get(0);
        assertEquals(expected, raw.path("text").asText(), "the response.output_text.delta events");
        assertEquals("response.created", raw.at("/types/0").asText());
        assertEquals("response.completed", raw.at("/types/" + (raw.path("types").size() - 1)).asText());
        for (int i = 0; i < raw.path("sequence").size(); i++) {
            assertEquals(i, raw.path("sequence").get(i).asInt());
        }
        assertEquals(expected, raw.at("/completed/output/0/content/0/text").asText());
        assertEquals("anthropic", raw.path("provider").asText());
        assertEquals("anthropic", raw.at("/completed/gateway/provider").asText());
        JsonNode accumulated = lines.get(1);
        assertEquals(expected, accumulated.path("output_text").asText(), "the SDK's accumulator agrees");
        assertEquals(expected, accumulated.path("deltas").asText());
        assertEquals(1, accumulated.path("items").asInt());
        assertEquals(2, gw.sim("anthropic").calls());
    }

    @Test
    void aStreamCutMidAnswerIsContinued() throws Exception {
        gw.reset();
        // openai's stream breaks after 5 pieces, for each of the script's two streams; anthropic continues it
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        String question = "Cut and continued?";
        List<JsonNode> lines = lines(run(List.of("node", "responses.mjs", "stream", question), 60));
        String expected = "Simulated openai (gpt-4.1) answering: " + question;
        JsonNode raw = lines.get(0);
        assertEquals(expected, raw.path("text").asText(), "one answer, partly from each provider, nothing repeated");
        assertEquals("openai", raw.at("/completed/gateway/mid_stream_failover/from").asText());
        assertEquals("anthropic", raw.at("/completed/gateway/mid_stream_failover/to").asText());
        assertEquals(expected, lines.get(1).path("output_text").asText(), "the SDK's accumulator sees one coherent response");
        assertEquals(1, lines.get(1).path("items").asInt());
        assertEquals(2, gw.sim("anthropic").calls());
    }

    @Test
    void refusalsAreTheSdksBadRequestErrors() throws Exception {
        gw.reset();
        List<JsonNode> lines = lines(run(List.of("node", "responses.mjs", "refused", "Hi"), 60));
        for (String[] expected : new String[][] { { "previous_response_id" }, { "tools[0].type" } }) {
            JsonNode error = lines.remove(0).path("error");
            assertEquals("BadRequestError", error.path("name").asText(), error.toString());
            assertEquals(400, error.path("status").asInt());
            assertEquals("unsupported_parameter", error.path("code").asText());
            assertEquals(expected[0], error.path("param").asText());
        }
        assertEquals(0, gw.sim("openai").calls());
    }

    /** The script's JSON lines (it must have exited 0). */
    static List<JsonNode> lines(Result result) throws Exception {
        assertEquals(0, result.exit(), result.output());
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : result.output().strip().split("\n")) {
            if (line.startsWith("{")) {
                lines.add(Json.MAPPER.readTree(line));
            }
        }
        assertTrue(!lines.isEmpty(), result.output());
        return lines;
    }

    static Result run(List<String> command, int seconds) throws Exception {
        return run(command, seconds, gw);
    }

    /** Runs a script of src/test/node against {@code gateway} (null: none). */
    static Result run(List<String> command, int seconds, TestGateway gateway) throws Exception {
        return NodeScripts.run(command, seconds,
                gateway == null ? Map.of() : Map.of("OPENAI_BASE_URL", "http://127.0.0.1:" + gateway.port + "/v1"));
    }
}

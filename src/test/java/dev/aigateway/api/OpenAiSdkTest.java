package dev.aigateway.api;

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
import dev.aigateway.simulator.Faults;

/**
 * A client nobody here wrote: the official OpenAI Node SDK (src/test/node) calls the gateway while the
 * primary provider is down, and gets a normal completion from the backup; bad input comes back as the
 * SDK's own BadRequestError.
 */
class OpenAiSdkTest {
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
    void officialSdkGetsTheBackupsAnswer() throws Exception {
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        Result result = run(List.of("node", "chat.mjs", "Is the SDK happy?"), 60);
        assertEquals(0, result.exit(), result.output());
        String[] lines = result.output().strip().split("\n");
        JsonNode answer = Json.MAPPER.readTree(lines[lines.length - 2]);
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: Is the SDK happy?", answer.path("content").asText());
        assertEquals("claude-sonnet-4-6", answer.path("model").asText());
        assertEquals("stop", answer.path("finish_reason").asText());
        assertEquals(gw.sim("anthropic").lastUsage().completion(), answer.at("/usage/completion_tokens").asInt(),
                "the usage anthropic reported");
        assertEquals("anthropic", answer.path("provider").asText());
        assertEquals("openai,anthropic", answer.path("attempts").asText());
        JsonNode error = Json.MAPPER.readTree(lines[lines.length - 1]).path("error");
        assertEquals(400, error.path("status").asInt());
        assertEquals("BadRequestError", error.path("name").asText());
        assertEquals("messages", error.path("param").asText());
        assertEquals(1, gw.sim("openai").calls(), "the SDK's own retries are off; the gateway fell back once");
    }

    @Test
    void officialSdkAskingForClaudeIsAnsweredByAnthropic() throws Exception {
        gw.reset();
        Result result = run(List.of("node", "model.mjs", "claude-sonnet-4-6", "Routed by model?"), 60);
        assertEquals(0, result.exit(), result.output());
        String[] lines = result.output().strip().split("\n");
        JsonNode answer = Json.MAPPER.readTree(lines[lines.length - 2]);
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: Routed by model?", answer.path("content").asText());
        assertEquals("anthropic", answer.path("provider").asText());
        assertEquals("chain=claude; model=claude-sonnet-4-6", answer.path("route").asText());
        assertEquals(0, gw.sim("openai").calls(), "gpt-4.1's provider is not asked");
        String chainOfClaude = null;
        for (JsonNode m : answer.path("models")) {
            chainOfClaude = m.path("id").asText().equals("claude-sonnet-4-6") ? m.path("chain").asText() : chainOfClaude;
        }
        assertEquals("claude", chainOfClaude, "the SDK's models.list() shows each alias with its chain: " + answer);
        JsonNode error = Json.MAPPER.readTree(lines[lines.length - 1]).path("error");
        assertEquals(400, error.path("status").asInt(), error.toString());
        assertEquals("model_not_found", error.path("code").asText());
        assertEquals("model", error.path("param").asText());
        assertTrue(error.path("message").asText().contains("claude-sonnet-4-6"), "the valid names: " + error);
    }

    @Test
    void officialSdkConsumesAStreamWithAMidStreamFailover() throws Exception {
        gw.reset();
        // openai's stream breaks after 5 chunks, twice: once for each way the script reads a stream
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        String question = "Is the SDK happy with streams?";
        Result result = run(List.of("node", "stream.mjs", question), 60);
        assertEquals(0, result.exit(), result.output());
        String[] lines = result.output().strip().split("\n");
        String expected = "Simulated openai (gpt-4.1) answering: " + question;

        JsonNode iterated = Json.MAPPER.readTree(lines[lines.length - 2]);
        assertEquals(expected, iterated.path("text").asText(), "one answer, partly from each provider, nothing repeated");
        assertEquals("[\"gpt-4.1\",\"claude-sonnet-4-6\"]", iterated.path("models").toString());
        assertEquals("stop", iterated.path("finish_reason").asText());
        assertEquals(5 + gw.sim("anthropic").lastUsage().completion(), iterated.at("/usage/completion_tokens").asInt(),
                "usage covers both providers: openai's 5 chunks (estimated) + anthropic's reported continuation");
        assertEquals("openai", iterated.at("/gateway/mid_stream_failover/from").asText());
        assertEquals("anthropic", iterated.at("/gateway/mid_stream_failover/to").asText());
        assertEquals("openai", iterated.path("provider").asText(), "x-gateway-provider: who started the answer");

        JsonNode accumulated = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals(expected, accumulated.path("content").asText(), "the SDK's own stream accumulator agrees");
        assertEquals("stop", accumulated.path("finish_reason").asText());
        assertEquals(2, gw.sim("anthropic").calls());
    }

    static Result run(List<String> command, int seconds) throws Exception {
        return NodeScripts.run(command, seconds,
                gw == null ? Map.of() : Map.of("OPENAI_BASE_URL", "http://127.0.0.1:" + gw.port + "/v1"));
    }
}

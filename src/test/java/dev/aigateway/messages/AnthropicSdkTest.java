package dev.aigateway.messages;

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
 * A client nobody here wrote: the official Anthropic TypeScript SDK (src/test/node/messages.mjs, version pinned
 * in package.json) calls POST /v1/messages while the chain's primary is down, and gets an Anthropic message
 * from the next provider: plain, streamed, with a tool call, and a stream cut mid-answer and continued.
 */
class AnthropicSdkTest {
    static final String CLAUDE = "claude-sonnet-4-6";
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        NodeScripts.install("@anthropic-ai/sdk");
        gw = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void plainMessageFromTheBackupOfEitherWire() throws Exception {
        gw.reset();
        // chain claude: anthropic is down, openai answers (the request translated, the answer translated back)
        gw.sim("anthropic").faults(Faults.of("error").withStatus(503));
        JsonNode m = lines(node("plain", CLAUDE, "Is the Anthropic SDK happy?"), 1).get(0);
        assertEquals("message", m.path("type").asText());
        assertTrue(m.path("id").asText().startsWith("msg_"), m.toString());
        assertEquals("Simulated openai (gpt-4.1) answering: Is the Anthropic SDK happy?", m.path("text").asText());
        assertEquals("end_turn", m.path("stop_reason").asText());
        assertEquals("openai", m.at("/gateway/provider").asText());
        assertEquals("openai", m.path("provider").asText(), "x-gateway-provider");
        assertEquals(gw.sim("openai").lastUsage().completion(), m.at("/usage/output_tokens").asLong());
        assertEquals(1, gw.sim("anthropic").calls(), "the SDK's retries are off: the gateway fell back once");

        // chain default: openai is down, anthropic answers from the client's own body
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        JsonNode native_ = lines(node("plain", "gpt-4.1", "And natively?"), 1).get(0);
        assertEquals("Simulated anthropic (claude-sonnet-4-6) answering: And natively?", native_.path("text").asText());
        assertEquals("anthropic", native_.at("/gateway/provider").asText());
        assertEquals("Be brief.", gw.sim("anthropic").lastRequest().path("system").asText(), "the SDK's system, verbatim");
    }

    @Test
    void streamedMessageFromTheBackup() throws Exception {
        gw.reset();
        gw.sim("anthropic").faults(Faults.of("error").withStatus(503));
        String question = "Stream through the SDK";
        List<JsonNode> out = lines(node("stream", CLAUDE, question), 2);
        String expected = "Simulated openai (gpt-4.1) answering: " + question;
        JsonNode accumulated = out.get(0);
        assertEquals(expected, accumulated.path("text").asText(), "the SDK's finalMessage()");
        assertEquals(expected, accumulated.path("streamed").asText(), "the SDK's text events");
        assertEquals("end_turn", accumulated.path("stop_reason").asText());
        assertTrue(accumulated.at("/usage/output_tokens").asLong() > 0);
        JsonNode raw = out.get(1);
        assertEquals(expected, raw.path("text").asText());
        assertEquals("[\"message_start\",\"content_block_start\",\"content_block_delta\",\"content_block_stop\","
                + "\"message_delta\",\"message_stop\"]", raw.path("types").toString());
        assertEquals("openai", raw.at("/gateway/provider").asText());
        assertEquals("openai", raw.path("provider").asText());
    }

    @Test
    void toolCallFromTheBackupHasItsParsedInput() throws Exception {
        gw.reset();
        gw.sim("anthropic").faults(Faults.of("error").withStatus(503));
        JsonNode m = lines(node("tool", CLAUDE, "Look up the weather"), 1).get(0);
        assertEquals("tool_use", m.path("stop_reason").asText(), m.toString());
        assertEquals("lookup", m.at("/tool/name").asText());
        assertEquals("Look up the weather", m.at("/tool/input/query").asText(), "input is an object the SDK parsed");
        assertEquals("openai", m.at("/gateway/provider").asText());
        assertEquals("tools", gw.sim("openai").lastRequest().path("tools").isArray() ? "tools" : "none");
    }

    @Test
    void streamCutMidAnswerIsContinuedByTheNextProvider() throws Exception {
        gw.reset();
        // anthropic's stream breaks after 4 chunks, for both calls of the script; openai continues each
        gw.sim("anthropic").faults(Faults.of("cut").withAfterChunks(4).withChunkMs(0));
        String question = "Is the SDK happy with a cut stream?";
        List<JsonNode> out = lines(node("stream", CLAUDE, question), 2);
        String expected = "Simulated anthropic (claude-sonnet-4-6) answering: " + question;
        assertEquals(expected, out.get(0).path("text").asText(), "one message, partly from each provider");
        assertEquals(expected, out.get(0).path("streamed").asText());
        assertEquals("end_turn", out.get(0).path("stop_reason").asText());
        assertEquals("[\"text\"]", out.get(0).path("blocks").toString(), "one text block");
        JsonNode raw = out.get(1);
        assertEquals(expected, raw.path("text").asText());
        assertEquals("anthropic", raw.at("/gateway/mid_stream_failover/from").asText(), raw.toString());
        assertEquals("openai", raw.at("/gateway/mid_stream_failover/to").asText());
        assertEquals("anthropic", raw.path("provider").asText(), "x-gateway-provider: who started the answer");
        assertEquals(2, gw.sim("openai").calls(), "one continuation per stream");
    }

    @Test
    void unsupportedFieldIsTheSdksBadRequestError() throws Exception {
        gw.reset();
        JsonNode e = lines(node("error", CLAUDE, "think"), 1).get(0).path("error");
        assertEquals("BadRequestError", e.path("name").asText(), e.toString());
        assertEquals(400, e.path("status").asInt());
        assertEquals("invalid_request_error", e.path("type").asText());
        assertEquals("thinking", e.path("param").asText());
        assertEquals("unsupported_parameter", e.path("code").asText());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("openai").calls());
    }

    static String node(String mode, String model, String question) throws Exception {
        Result r = run(List.of("node", "messages.mjs", mode, model, question), 60);
        assertEquals(0, r.exit(), r.output());
        return r.output();
    }

    /** The last {@code n} output lines, as JSON. */
    static List<JsonNode> lines(String output, int n) throws Exception {
        String[] all = output.strip().split("\n");
        List<JsonNode> out = new java.util.ArrayList<>();
        for (int i = all.length - n; i < all.length; i++) {
            out.add(Json.MAPPER.readTree(all[i]));
        }
        return out;
    }

    static Result run(List<String> command, int seconds) throws Exception {
        // how an Anthropic SDK user points at the gateway (the SDK adds /v1/messages)
        return NodeScripts.run(command, seconds, gw == null ? Map.of() : Map.of("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + gw.port));
    }
}

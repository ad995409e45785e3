package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator.Usage;
import dev.aigateway.simulator.SimulatedAnswer;
import dev.aigateway.simulator.SimulatedUsage;

/**
 * The tokens and cost the gateway reports are the ones the provider reported, whole or streamed, OpenAI or
 * Anthropic, and only a part whose stream broke before its usage arrived is estimated (and flagged so). The
 * simulator counts usage by a rule of its own ({@link SimulatedUsage}) that no gateway estimate matches, so
 * a gateway that billed its estimate would fail here.
 */
class ReportedUsageTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    static final String PROMPT = "Count my tokens: 1, 2, 3 (four) & five-six.";
    static final double OPENAI_IN = 2.00;
    static final double OPENAI_OUT = 8.00;
    static final double ANTHROPIC_IN = 3.00;
    static final double ANTHROPIC_OUT = 15.00;
    static final double DEEPSEEK_IN = 0.28;
    static final double DEEPSEEK_OUT = 0.42;

    static String request(boolean stream) {
        return "{\"model\":\"gpt-4.1\",\"stream\":" + stream + (stream ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\""
                + PROMPT + "\"}]}";
    }

    static double cost(Usage u, double in, double out) {
        return (u.prompt() * in + u.completion() * out) / 1e6;
    }

    /** The upstream's usage is none of the numbers the gateway could have made up for this answer. */
    static void unlikeAnEstimate(Usage u, String answer) {
        assertNotEquals(SimulatedAnswer.pieces(answer).size(), u.completion(), "the test needs usage unlike one token per piece");
        assertNotEquals(0, u.prompt());
        assertTrue(u.prompt() < request(true).length() / 4, "the test needs prompt tokens unlike the ~4 bytes/token estimate: "
                + u.prompt());
    }

    @Test
    void aWholeOpenAiAnswerReportsOpenAisUsage() {
        HttpResponse<String> r = gw.chat(request(false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        Usage u = gw.sim("openai").lastUsage();
        unlikeAnEstimate(u, body.at("/choices/0/message/content").asText());
        assertEquals(u.prompt(), body.at("/usage/prompt_tokens").asLong());
        assertEquals(u.completion(), body.at("/usage/completion_tokens").asLong());
        assertEquals(u.prompt() + u.completion(), body.at("/usage/total_tokens").asLong());
        assertEquals(cost(u, OPENAI_IN, OPENAI_OUT), body.at("/gateway/cost_usd").asDouble(), 1e-12);
        assertFalse(body.path("gateway").has("usage_estimated"));
    }

    @Test
    void aWholeAnthropicAnswerReportsAnthropicsUsage() {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> r = gw.chat(request(false));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("anthropic", body.at("/gateway/provider").asText());
        Usage u = gw.sim("anthropic").lastUsage();
        unlikeAnEstimate(u, body.at("/choices/0/message/content").asText());
        assertEquals(u.prompt(), body.at("/usage/prompt_tokens").asLong(), "input_tokens, the system prompt included");
        assertEquals(u.completion(), body.at("/usage/completion_tokens").asLong());
        assertEquals(cost(u, ANTHROPIC_IN, ANTHROPIC_OUT), body.at("/gateway/cost_usd").asDouble(), 1e-12,
                "the failed openai call costs nothing");
    }

    @Test
    void aStreamedOpenAiAnswerReportsTheUsageChunk() throws Exception {
        try (SseClientSupport sse = SseClientSupport.open(gw, request(true))) {
            sse.readAll();
            Usage u = gw.sim("openai").lastUsage();
            unlikeAnEstimate(u, sse.text());
            List<JsonNode> chunks = sse.chunks();
            JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
            assertEquals(u.prompt(), usage.path("prompt_tokens").asLong());
            assertEquals(u.completion(), usage.path("completion_tokens").asLong());
            JsonNode gateway = chunks.get(chunks.size() - 2).path("gateway");
            assertPart(gateway.at("/parts/0"), "openai", u, cost(u, OPENAI_IN, OPENAI_OUT));
            assertEquals(cost(u, OPENAI_IN, OPENAI_OUT), gateway.path("cost_usd").asDouble(), 1e-12);
            assertFalse(gateway.has("usage_estimated"), gateway.toString());
        }
    }

    @Test
    void aStreamedAnthropicAnswerReportsMessageStartAndMessageDelta() throws Exception {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        try (SseClientSupport sse = SseClientSupport.open(gw, request(true))) {
            sse.readAll();
            Usage u = gw.sim("anthropic").lastUsage();
            unlikeAnEstimate(u, sse.text());
            List<JsonNode> chunks = sse.chunks();
            JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
            assertEquals(u.prompt(), usage.path("prompt_tokens").asLong());
            assertEquals(u.completion(), usage.path("completion_tokens").asLong());
            JsonNode gateway = chunks.get(chunks.size() - 2).path("gateway");
            assertPart(gateway.at("/parts/0"), "anthropic", u, cost(u, ANTHROPIC_IN, ANTHROPIC_OUT));
            assertFalse(gateway.has("usage_estimated"), gateway.toString());
        }
    }

    @Test
    void aCutOpenAiPartIsEstimatedAndFlaggedTheContinuationIsReported() throws Exception {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        try (SseClientSupport sse = SseClientSupport.open(gw, request(true))) {
            sse.readAll();
            List<JsonNode> chunks = sse.chunks();
            JsonNode gateway = chunks.get(chunks.size() - 2).path("gateway");
            assertTrue(gateway.path("usage_estimated").asBoolean(false), gateway.toString());
            JsonNode cut = gateway.at("/parts/0");
            assertEquals("openai", cut.path("provider").asText());
            assertEquals(5, cut.path("completion_tokens").asLong(), "one token per piece streamed: nothing was reported");
            assertNotEquals(gw.sim("openai").lastUsage().prompt(), cut.path("prompt_tokens").asLong(),
                    "openai never reported its usage: the gateway cannot know it");
            Usage cont = gw.sim("anthropic").lastUsage();
            assertPart(gateway.at("/parts/1"), "anthropic", cont, cost(cont, ANTHROPIC_IN, ANTHROPIC_OUT));
            JsonNode usage = chunks.get(chunks.size() - 1).path("usage");
            assertEquals(cut.path("prompt_tokens").asLong() + cont.prompt(), usage.path("prompt_tokens").asLong());
            assertEquals(5 + cont.completion(), usage.path("completion_tokens").asLong());
        }
    }

    @Test
    void aCutAnthropicPartIsEstimatedNotBilledAtMessageStartsCount() throws Exception {
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        gw.sim("anthropic").faults(Faults.of("cut").withAfterChunks(4).withChunkMs(0));
        try (SseClientSupport sse = SseClientSupport.open(gw, request(true))) {
            sse.readAll();
            List<JsonNode> chunks = sse.chunks();
            JsonNode gateway = chunks.get(chunks.size() - 2).path("gateway");
            assertTrue(gateway.path("usage_estimated").asBoolean(false), gateway.toString());
            JsonNode cut = gateway.at("/parts/0");
            assertEquals("anthropic", cut.path("provider").asText());
            assertEquals(4, cut.path("completion_tokens").asLong(),
                    "4 pieces streamed; message_start's output_tokens (1) is no count of the answer");
            assertEquals(gw.sim("anthropic").lastUsage().prompt(), cut.path("prompt_tokens").asLong(),
                    "message_start did report the input tokens");
            Usage cont = gw.sim("deepseek").lastUsage();
            assertPart(gateway.at("/parts/1"), "deepseek", cont, cost(cont, DEEPSEEK_IN, DEEPSEEK_OUT));
        }
    }

    static void assertPart(JsonNode part, String provider, Usage u, double cost) {
        assertEquals(provider, part.path("provider").asText(), part.toString());
        assertEquals(u.prompt(), part.path("prompt_tokens").asLong(), part.toString());
        assertEquals(u.completion(), part.path("completion_tokens").asLong(), part.toString());
        assertEquals(cost, part.path("cost_usd").asDouble(), 1e-12, part.toString());
    }
}

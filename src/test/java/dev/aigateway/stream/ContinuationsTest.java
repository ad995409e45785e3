package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.Json;

/** The request that asks the next provider to carry on a cut answer: prefill, or assistant turn + instruction. */
class ContinuationsTest {
    static final String INSTRUCTION = "Continue exactly where you stopped.";

    static ChatRequest original() throws Exception {
        ObjectNode body = (ObjectNode) Json.MAPPER.readTree("""
                {"model":"gpt-4.1","temperature":0.2,"messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":"Explain failover"}]}""");
        return new ChatRequest(body, "default", "req-1", "sess-1");
    }

    @Test
    void prefillAddsThePartialAsTheLastAssistantTurnWithoutTrailingSpace() throws Exception {
        ChatRequest o = original();
        String before = o.body().toString();
        ChatRequest c = Continuations.request(o, "Failover is \n", true, INSTRUCTION);
        JsonNode messages = c.body().path("messages");
        assertEquals(3, messages.size());
        assertEquals("assistant", messages.get(2).path("role").asText());
        assertEquals("Failover is", messages.get(2).path("content").asText(), "Anthropic refuses a prefill ending in whitespace");
        assertEquals("Be brief.", messages.get(0).path("content").asText(), "the user's own system prompt untouched");
        assertEquals("Explain failover", messages.get(1).path("content").asText());
        assertEquals(0.2, c.body().path("temperature").asDouble(), "other fields kept");
        assertEquals(before, o.body().toString(), "the original request is not changed (the next provider may need it)");
        assertEquals("default", c.chain());
        assertEquals("req-1", c.requestId());
        assertEquals("sess-1", c.sessionId());
    }

    @Test
    void withoutPrefillTheWholePartialThenTheInstruction() throws Exception {
        ChatRequest c = Continuations.request(original(), "Failover is ", false, INSTRUCTION);
        JsonNode messages = c.body().path("messages");
        assertEquals(4, messages.size());
        assertEquals("assistant", messages.get(2).path("role").asText());
        assertEquals("Failover is ", messages.get(2).path("content").asText(), "kept as sent, trailing space included");
        assertEquals("user", messages.get(3).path("role").asText());
        assertEquals(INSTRUCTION, messages.get(3).path("content").asText());
    }

    @Test
    void aWhitespaceOnlyPrefillIsNoContinuation() throws Exception {
        ChatRequest o = original();
        assertSame(o, Continuations.request(o, " \n ", true, INSTRUCTION), "nothing to carry on: the original request");
        assertEquals(4, Continuations.request(o, " ", false, INSTRUCTION).body().path("messages").size(),
                "with an instruction the partial is sent as is");
    }
}

package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aigateway.api.Json;

/** The OpenAI-compatible stream parser against recorded streams of OpenAI, DeepSeek, Gemini and Ollama. */
class OpenAiStreamParserTest {
    final ProviderSettings settings = Fixtures.settings("openai", "openai", 2.0, 8.0);

    List<StreamEvent> read(String fixture) throws IOException {
        return Sse.read(fixture, new OpenAiCompatibleAdapter().streamParser(settings));
    }

    @Test
    void openAiTextStreamWithUsageChunk() throws IOException {
        List<StreamEvent> events = read("openai/chat-stream-include-usage.sse");
        assertEquals(34, events.size()); // role chunk, 30 content chunks, finish chunk, usage chunk, [DONE]
        assertEquals("I'm unable to provide real-time weather updates. To get the current weather in San Francisco, "
                + "I recommend checking a reliable weather website or a weather app.", Sse.text(events));
        assertEquals("assistant", events.get(0).chunk().at("/choices/0/delta/role").asText());
        assertEquals("gpt-4o-2024-08-06", events.get(0).model());

        StreamEvent finish = events.get(31);
        assertEquals("stop", finish.finishReason());
        assertEquals(-1, finish.promptTokens());
        StreamEvent usage = events.get(32);
        assertNull(usage.chunk(), "choices: [] has nothing for the client");
        assertEquals(14, usage.promptTokens());
        assertEquals(30, usage.completionTokens());
        assertEquals("gpt-4o-2024-08-06", usage.model());
        assertTrue(events.get(33).done());
        assertSame(StreamEvent.end(), events.get(33));

        for (StreamEvent e : events.subList(0, 31)) {
            assertNull(e.finishReason());
            assertFalse(e.toolCall());
            assertEquals(-1, e.promptTokens());
        }
        events.stream().filter(e -> e.chunk() != null).forEach(e -> assertFalse(e.chunk().has("usage")));
    }

    @Test
    void openAiToolCallArgumentsConcatenateToJson() throws IOException {
        List<StreamEvent> events = read("openai/chat-stream-tool-call.sse");
        assertEquals(11, events.size());
        StreamEvent first = events.get(0);
        assertTrue(first.toolCall());
        assertEquals("", first.text(), "content: null is no text");
        assertEquals("get_weather", first.chunk().at("/choices/0/delta/tool_calls/0/function/name").asText());
        assertEquals("call_4XzlGBLtUe9dy3GVNV4jhq7h", first.chunk().at("/choices/0/delta/tool_calls/0/id").asText());
        events.subList(0, 8).forEach(e -> assertTrue(e.toolCall()));
        assertFalse(events.get(8).toolCall());
        assertEquals("tool_calls", events.get(8).finishReason());
        String args = Sse.arguments(events, 0);
        assertEquals("{\"city\":\"New York City\"}", args);
        assertEquals("New York City", Json.MAPPER.readTree(args).path("city").asText());
        assertEquals(44, events.get(9).promptTokens());
        assertEquals(16, events.get(9).completionTokens());
        assertTrue(events.get(10).done());
    }

    @Test
    void midStreamErrorAfterHttp200() throws IOException {
        List<StreamEvent> events = read("openai/chat-stream-midstream-error.reconstructed.sse");
        assertEquals(3, events.size());
        assertEquals("I'm", Sse.text(events));
        StreamEvent error = events.get(2);
        assertEquals("The server had an error while processing your request. Sorry about that!", error.error());
        assertNull(error.chunk());
        assertFalse(error.done());
    }

    @Test
    void deepSeekUsageRidesOnTheFinishChunk() throws IOException {
        // the SSE reader drops the ": keep-alive" comments sent while the request is queued
        List<StreamEvent> events = read("deepseek/stream-keepalive.reconstructed.sse");
        assertEquals(20, events.size());
        assertEquals("## **Holiday Name:** Starlight Remembrance minutes of silent looking at", Sse.text(events));
        StreamEvent last = events.get(18);
        assertEquals("length", last.finishReason());
        assertNotNull(last.chunk(), "the finish chunk still goes to the client");
        assertFalse(last.chunk().has("usage"));
        assertEquals(13, last.promptTokens());
        assertEquals(400, last.completionTokens());
        assertEquals("deepseek-chat", last.model());
        assertEquals(-1, events.get(17).promptTokens(), "\"usage\":null on the other chunks");
        assertFalse(events.get(17).chunk().has("usage"));
        assertTrue(events.get(19).done());
    }

    @Test
    void deepSeekReasoningThenToolCall() throws IOException {
        List<StreamEvent> events = read("deepseek/tool-call-stream.recorded.sse");
        assertEquals(31, events.size());
        assertEquals("", Sse.text(events), "reasoning is not content");
        StringBuilder reasoning = new StringBuilder();
        events.stream().filter(e -> e.chunk() != null)
                .forEach(e -> reasoning.append(e.chunk().at("/choices/0/delta/reasoning_content").asText("")));
        assertEquals("The user asks about the weather in San Francisco. I should use the weather tool.",
                reasoning.toString(), "reasoning_content passes through in the chunks");
        assertEquals(11, events.stream().filter(StreamEvent::toolCall).count());
        assertEquals("{\"location\": \"San Francisco\"}", Sse.arguments(events, 0));
        StreamEvent last = events.get(29);
        assertEquals("tool_calls", last.finishReason());
        assertFalse(last.toolCall());
        assertEquals(374, last.promptTokens());
        assertEquals(61, last.completionTokens());
        assertTrue(events.get(30).done());
    }

    @Test
    void geminiLastTextFinishAndUsageInOneChunk() throws IOException {
        List<StreamEvent> events = read("gemini-openai/chat-stream-text.reconstructed.sse");
        assertEquals(3, events.size());
        assertNull(events.get(0).finishReason(), "Gemini omits the key");
        StreamEvent last = events.get(1);
        assertEquals(", 391 = 17 \u00d7 23.", last.text());
        assertEquals("No, 391 = 17 \u00d7 23.", Sse.text(events));
        assertEquals("stop", last.finishReason());
        assertEquals(11, last.promptTokens());
        assertEquals(550, last.completionTokens(), "total 561 - prompt 11: thinking tokens are billed as output");
        assertFalse(last.chunk().has("usage"));
        assertTrue(events.get(2).done());
    }

    @Test
    void geminiWholeToolCallInOneChunk() throws IOException {
        List<StreamEvent> events = read("gemini-openai/chat-stream-tool-call.captured.sse");
        assertEquals(2, events.size());
        StreamEvent e = events.get(0);
        assertTrue(e.toolCall());
        assertEquals("tool_calls", e.finishReason());
        assertEquals("", e.text());
        assertEquals("{\"pattern\":\"*\"}", Sse.arguments(events, 0), "Gemini sends no index");
        assertEquals(3379, e.promptTokens());
        assertEquals(80, e.completionTokens(), "max(12, 3459 - 3379)");
        assertEquals("gemini-2.5-flash", e.model());
        assertTrue(events.get(1).done());
    }

    @Test
    void ollamaUsageChunk() throws IOException {
        List<StreamEvent> events = read("ollama/chat-stream-include-usage.reconstructed.sse");
        assertEquals(6, events.size());
        assertEquals("Higress", Sse.text(events));
        assertEquals("stop", events.get(3).finishReason());
        assertNull(events.get(4).chunk());
        assertEquals(26, events.get(4).promptTokens());
        assertEquals(3, events.get(4).completionTokens());
        assertEquals("qwen2.5-coder:32b", events.get(4).model());
        assertTrue(events.get(5).done());
    }

    @Test
    void ollamaReasoningDeltaIsNoText() throws IOException {
        StreamEvent e = new OpenAiStreamParser().parse(null, """
                {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3:32b",
                 "choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"Okay"},"finish_reason":null}]}""");
        assertEquals("", e.text());
        assertEquals("Okay", e.chunk().at("/choices/0/delta/reasoning").asText());
    }

    @Test
    void edgeCases() throws IOException {
        OpenAiStreamParser p = new OpenAiStreamParser();
        assertSame(StreamEvent.nothing(), p.parse(null, ""));
        assertSame(StreamEvent.nothing(), p.parse(null, "{}"));
        assertSame(StreamEvent.nothing(), p.parse(null, "{\"choices\":[],\"usage\":null}"), "Azure's prompt-filter chunk");
        assertEquals("boom", p.parse(null, "{\"error\":\"boom\"}").error(), "Ollama's native error shape");
        assertEquals("error event", p.parse(null, "{\"error\":{}}").error());
        assertThrows(IOException.class, () -> p.parse(null, "{\"choices\":[{\"delta\":"));
        assertThrows(IOException.class, () -> p.parse(null, "not json"));
        assertThrows(IOException.class, () -> p.parse(null, "[1,2]"));
        assertThrows(IOException.class, () -> p.parse(null, "42"));
    }
}

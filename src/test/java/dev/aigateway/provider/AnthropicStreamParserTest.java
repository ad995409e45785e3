package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.Json;

/** Anthropic's recorded event streams, translated to OpenAI chunks. */
class AnthropicStreamParserTest {
    final ProviderSettings settings = Fixtures.settings("anthropic", "anthropic", 3.0, 15.0);

    List<StreamEvent> read(String fixture) throws IOException {
        return Sse.read(fixture, new AnthropicAdapter().streamParser(settings));
    }

    @Test
    void basicTextStream() throws IOException {
        List<StreamEvent> events = read("anthropic/stream-basic.sdk-fixture.sse");
        assertEquals(9, events.size());
        StreamEvent start = events.get(0);
        JsonNode role = start.chunk();
        assertEquals("chatcmpl-msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK", role.path("id").asText());
        assertEquals("chat.completion.chunk", role.path("object").asText());
        assertTrue(role.path("created").asLong() > 1_700_000_000L);
        assertEquals("claude-3-opus-latest", role.path("model").asText());
        assertEquals("assistant", role.at("/choices/0/delta/role").asText());
        assertEquals("", role.at("/choices/0/delta/content").asText());
        assertTrue(role.at("/choices/0/finish_reason").isNull());
        assertEquals(11, start.promptTokens());
        assertEquals("claude-3-opus-latest", start.model());

        assertSame(StreamEvent.nothing(), events.get(1), "text content_block_start");
        assertSame(StreamEvent.nothing(), events.get(2), "ping");
        assertEquals("Hello there!", Sse.text(events));
        assertEquals(" there", events.get(4).chunk().at("/choices/0/delta/content").asText());
        assertSame(StreamEvent.nothing(), events.get(6), "content_block_stop");

        StreamEvent finish = events.get(7);
        assertEquals("stop", finish.finishReason());
        assertEquals("stop", finish.chunk().at("/choices/0/finish_reason").asText());
        assertTrue(finish.chunk().at("/choices/0/delta").isEmpty());
        assertEquals(6, finish.completionTokens());
        assertEquals(-1, finish.promptTokens(), "this older stream reports input tokens only in message_start");
        assertTrue(events.get(8).done());
        assertEquals(1, events.stream().filter(e -> e.chunk() != null).map(e -> e.chunk().path("id").asText())
                .distinct().count(), "all chunks share one id");
    }

    @Test
    void recordedStreamWithPaddingAndCacheFields() throws IOException {
        List<StreamEvent> events = read("anthropic/stream-text.recorded.sse");
        assertEquals(10, events.size());
        assertEquals("[12345,67890]", Sse.text(events));
        assertEquals(135, events.get(0).promptTokens(), "input 135 + cache creation 0 + cache read 0");
        assertEquals("claude-sonnet-4-5-20250929", events.get(0).model());
        StreamEvent finish = events.get(8);
        assertEquals("stop", finish.finishReason());
        assertEquals(135, finish.promptTokens(), "message_delta repeats input_tokens and the cache fields");
        assertEquals(10, finish.completionTokens());
        assertEquals(10, Sse.last(events, StreamEvent::completionTokens), "output_tokens is cumulative");
        assertTrue(events.get(9).done());
    }

    @Test
    void cacheTokensCountAsPromptTokens() throws IOException {
        AnthropicStreamParser p = new AnthropicStreamParser(settings);
        StreamEvent start = p.parse("message_start", """
                {"type":"message_start","message":{"id":"msg_1","model":"m","usage":{"input_tokens":5,
                 "cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":1}}}""");
        assertEquals(1105, start.promptTokens());
        StreamEvent delta = p.parse("message_delta", """
                {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"input_tokens":5,
                 "cache_creation_input_tokens":100,"cache_read_input_tokens":1000,"output_tokens":9}}""");
        assertEquals(1105, delta.promptTokens());
        assertEquals("length", delta.finishReason());
    }

    @Test
    void textThenToolUse() throws IOException {
        List<StreamEvent> events = read("anthropic/stream-text-and-tool-use.sdk-fixture.sse");
        assertEquals(15, events.size());
        assertEquals("I'll check the current weather in Paris for you.", Sse.text(events));
        assertEquals(377, events.get(0).promptTokens());

        StreamEvent toolStart = events.get(6);
        assertTrue(toolStart.toolCall());
        JsonNode call = toolStart.chunk().at("/choices/0/delta/tool_calls/0");
        assertEquals(0, call.path("index").asInt(), "first tool call is index 0 though it is content block 1");
        assertEquals("toolu_01NRLabsLyVHZPKxbKvkfSMn", call.path("id").asText());
        assertEquals("function", call.path("type").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("", call.at("/function/arguments").asText());
        for (StreamEvent e : events.subList(7, 12)) {
            assertTrue(e.toolCall());
            assertEquals(0, e.chunk().at("/choices/0/delta/tool_calls/0/index").asInt());
            assertFalse(e.chunk().at("/choices/0/delta/tool_calls/0").has("id"));
        }
        String args = Sse.arguments(events, 0);
        assertEquals("{\"location\": \"Paris\"}", args);
        assertEquals("Paris", Json.MAPPER.readTree(args).path("location").asText());

        StreamEvent finish = events.get(13);
        assertEquals("tool_calls", finish.finishReason());
        assertEquals(65, finish.completionTokens());
        assertTrue(events.get(14).done());
        assertEquals(6, events.stream().filter(StreamEvent::toolCall).count());
    }

    @Test
    void recordedToolUseStream() throws IOException {
        List<StreamEvent> events = read("anthropic/stream-tool-use.recorded.sse");
        assertEquals(656, events.get(0).promptTokens());
        assertEquals(-1, events.get(0).completionTokens(), "message_start's output_tokens (26) counts only the start: not taken as the answer's");
        assertEquals("", Sse.text(events));
        assertEquals("{\"location\": \"San Francisco, CA\", \"units\": \"f\"}", Sse.arguments(events, 0));
        assertEquals(74, Sse.last(events, StreamEvent::completionTokens));
        assertEquals(656, Sse.last(events, StreamEvent::promptTokens));
        assertEquals("tool_calls", events.stream().map(StreamEvent::finishReason).filter(f -> f != null)
                .findFirst().orElseThrow());
    }

    @Test
    void secondToolCallGetsIndexOne() throws IOException {
        AnthropicStreamParser p = new AnthropicStreamParser(settings);
        p.parse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\",\"usage\":{}}}");
        p.parse("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}");
        assertSame(StreamEvent.nothing(), p.parse("content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hm\"}}"));
        assertSame(StreamEvent.nothing(), p.parse("content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"x\"}}"));
        p.parse("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"f\",\"input\":{}}}");
        StreamEvent second = p.parse("content_block_start", "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"b\",\"name\":\"g\",\"input\":{}}}");
        assertEquals(1, second.chunk().at("/choices/0/delta/tool_calls/0/index").asInt());
        StreamEvent arg = p.parse("content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}");
        assertEquals(1, arg.chunk().at("/choices/0/delta/tool_calls/0/index").asInt());
        assertEquals("chatcmpl-msg_1", arg.chunk().path("id").asText());
    }

    @Test
    void overloadedErrorEvent() throws IOException {
        List<StreamEvent> events = read("anthropic/stream-error-overloaded.reconstructed.sse");
        assertEquals(5, events.size());
        assertEquals("Hello", Sse.text(events));
        StreamEvent error = events.get(4);
        assertEquals("Overloaded", error.error());
        assertNull(error.chunk());
        assertFalse(events.stream().anyMatch(StreamEvent::done), "no message_stop after an error");
    }

    @Test
    void edgeCases() throws IOException {
        AnthropicStreamParser p = new AnthropicStreamParser(settings);
        assertEquals("Overloaded", p.parse(null,
                "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}").error());
        assertSame(StreamEvent.nothing(), p.parse("some_future_event", "{\"type\":\"some_future_event\"}"));
        assertSame(StreamEvent.nothing(), p.parse("ping", ""));
        assertTrue(p.parse(null, "{\"type\":\"message_stop\"}").done(), "the data's type when there is no event: line");
        assertThrows(IOException.class, () -> p.parse("message_start", "{\"type\":\"message_start\",\"message\":"));
        assertThrows(IOException.class, () -> p.parse("ping", "[]"));
    }
}

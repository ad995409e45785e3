package dev.aigateway.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.Json;

/** The chat chains' answer as a Responses {@code response} object, whole ({@link ResponsesApi}) and streamed ({@link ResponsesSse}). */
class ResponsesAnswerTest {
    static final ChatRequest REQUEST = new ChatRequest((ObjectNode) json("{\"model\":\"gpt-4.1\",\"max_tokens\":9,"
            + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"), "default", "r1", null);

    static JsonNode json(String s) {
        try {
            return Json.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode completion(String message, String finish) {
        return (ObjectNode) json("{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4.1-2025\",\"choices\":[{\"index\":0,\"message\":" + message + ",\"finish_reason\":\"" + finish
                + "\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":2}},\"gateway\":{\"provider\":\"openai\"}}");
    }

    @Test
    void aTextAnswer() {
        ObjectNode r = new ResponsesApi().fromCompletion(completion("{\"role\":\"assistant\",\"content\":\"Hi!\"}", "stop"), REQUEST);
        assertEquals("resp_abc123", r.path("id").asText(), "stable per completion: a replay keeps it");
        assertEquals("response", r.path("object").asText());
        assertEquals(1700000000, r.path("created_at").asLong());
        assertEquals("completed", r.path("status").asText());
        assertEquals("gpt-4.1-2025", r.path("model").asText());
        assertEquals("{\"id\":\"msg_abc123\",\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\",\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\"Hi!\",\"annotations\":[],\"logprobs\":[]}]}", r.at("/output/0").toString());
        assertEquals("{\"input_tokens\":7,\"input_tokens_details\":{\"cached_tokens\":2},\"output_tokens\":3,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":10}", r.get("usage").toString());
        assertEquals(9, r.path("max_output_tokens").asInt());
        assertEquals("{\"type\":\"function\",\"name\":\"f\",\"description\":null,\"parameters\":{\"type\":\"object\"},\"strict\":null}",
                r.at("/tools/0").toString(), "tools echoed in Responses form");
        assertEquals("openai", r.at("/gateway/provider").asText());
        assertEquals(false, r.path("store").asBoolean(true));
    }

    @Test
    void toolCallsAreFunctionCallItems() {
        ObjectNode r = new ResponsesApi().fromCompletion(completion("{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}},"
                + "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}", "tool_calls"), REQUEST);
        assertEquals("completed", r.path("status").asText());
        assertEquals(2, r.path("output").size(), "no empty message item: " + r);
        assertEquals("{\"id\":\"fc_call_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\",\"name\":\"f\","
                + "\"arguments\":\"{\\\"a\\\":1}\"}", r.at("/output/0").toString());
        assertEquals("g", r.at("/output/1/name").asText());
    }

    @Test
    void lengthAndContentFilterAreIncomplete() {
        ObjectNode cut = new ResponsesApi().fromCompletion(completion("{\"role\":\"assistant\",\"content\":\"Hi\"}", "length"), REQUEST);
        assertEquals("incomplete", cut.path("status").asText());
        assertEquals("max_output_tokens", cut.at("/incomplete_details/reason").asText());
        assertEquals("incomplete", cut.at("/output/0/status").asText());
        ObjectNode filtered = new ResponsesApi().fromCompletion(completion("{\"role\":\"assistant\",\"content\":\"\"}",
                "content_filter"), REQUEST);
        assertEquals("content_filter", filtered.at("/incomplete_details/reason").asText());
    }

    // ---- the stream

    static ObjectNode chunk(String delta) {
        return (ObjectNode) json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"gpt-4.1\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":null}]}");
    }

    static ObjectNode finish(String reason) {
        return (ObjectNode) json("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"claude\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"" + reason + "\"}],"
                + "\"gateway\":{\"provider\":\"anthropic\"}}");
    }

    static final ObjectNode USAGE = (ObjectNode) json("{\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":4,"
            + "\"total_tokens\":9}}");

    /** The events written, each checked: {@code event:} equals the data's type, sequence numbers from 0. */
    static List<JsonNode> events(ByteArrayOutputStream out) {
        List<JsonNode> events = new ArrayList<>();
        for (String frame : out.toString(StandardCharsets.UTF_8).split("\n\n")) {
            String[] lines = frame.split("\n");
            JsonNode data = json(lines[1].substring("data: ".length()));
            assertEquals("event: " + data.path("type").asText(), lines[0]);
            assertEquals(events.size(), data.path("sequence_number").asInt());
            events.add(data);
        }
        return events;
    }

    static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    @Test
    void textThenAToolCallStreamAsTwoItems() {
        ResponsesSse sse = new ResponsesSse(REQUEST);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sse.chunk(chunk("{\"role\":\"assistant\",\"content\":\"Let \"}"), out::writeBytes);
        sse.chunk(chunk("{\"content\":\"me.\"}"), out::writeBytes);
        sse.chunk(chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_9\",\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":\"\"}}]}"), out::writeBytes);
        sse.chunk(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]}"), out::writeBytes);
        sse.chunk(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}"), out::writeBytes);
        sse.end(finish("tool_calls"), USAGE, out::writeBytes);
        List<JsonNode> events = events(out);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added", "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed"), types(events));
        assertEquals("in_progress", events.get(0).at("/response/status").asText());
        assertEquals("Let me.", events.get(6).path("text").asText());
        assertEquals(1, events.get(9).path("output_index").asInt());
        assertEquals("call_9", events.get(9).at("/item/call_id").asText());
        assertEquals("{\"a\":1}", events.get(12).path("arguments").asText());
        JsonNode done = events.get(14).path("response");
        assertEquals(events.get(0).at("/response/id").asText(), done.path("id").asText());
        assertEquals("Let me.", done.at("/output/0/content/0/text").asText());
        assertEquals("{\"a\":1}", done.at("/output/1/arguments").asText());
        assertEquals("claude", done.path("model").asText(), "the model that finished the answer");
        assertEquals(9, done.at("/usage/total_tokens").asInt());
        assertEquals("anthropic", done.at("/gateway/provider").asText());
    }

    @Test
    void aCutAtMaxOutputTokensIsIncomplete() {
        ResponsesSse sse = new ResponsesSse(REQUEST);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sse.chunk(chunk("{\"content\":\"Long\"}"), out::writeBytes);
        sse.end(finish("length"), USAGE, out::writeBytes);
        List<JsonNode> events = events(out);
        JsonNode last = events.get(events.size() - 1);
        assertEquals("response.incomplete", last.path("type").asText());
        assertEquals("max_output_tokens", last.at("/response/incomplete_details/reason").asText());
        assertEquals("incomplete", last.at("/response/output/0/status").asText());
    }

    @Test
    void aRestartClosesTheVoidItemAndLeavesItOut() {
        ResponsesSse sse = new ResponsesSse(REQUEST);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sse.chunk(chunk("{\"content\":\"Wrong \"}"), out::writeBytes);
        sse.restart(chunk("{}"), out::writeBytes);
        sse.chunk(chunk("{\"content\":\"Right\"}"), out::writeBytes);
        sse.end(finish("stop"), null, out::writeBytes);
        List<JsonNode> events = events(out);
        JsonNode voided = events.get(events.indexOf(events.stream()
                .filter(e -> e.path("type").asText().equals("response.output_item.done")).findFirst().orElseThrow()));
        assertEquals("incomplete", voided.at("/item/status").asText());
        assertEquals(0, voided.path("output_index").asInt());
        JsonNode done = events.get(events.size() - 1).path("response");
        assertEquals(1, done.path("output").size());
        assertEquals("Right", done.at("/output/0/content/0/text").asText());
        assertTrue(done.at("/output/0/id").asText().endsWith("_1"), "a new item at the next output index: " + done);
    }

    @Test
    void aFailureIsResponseFailedThenAnErrorEvent() {
        ResponsesSse sse = new ResponsesSse(REQUEST);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sse.chunk(chunk("{\"content\":\"Part\"}"), out::writeBytes);
        sse.fail((ObjectNode) json("{\"error\":{\"message\":\"broke\",\"type\":\"server_error\",\"param\":null,"
                + "\"code\":\"mid_stream_failed\"}}"), out::writeBytes);
        List<JsonNode> events = events(out);
        List<String> types = types(events);
        assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.failed", "error"), types.subList(types.size() - 5, types.size()));
        JsonNode failed = events.get(events.size() - 2).path("response");
        assertEquals("failed", failed.path("status").asText());
        assertEquals("mid_stream_failed", failed.at("/error/code").asText());
        assertEquals("Part", failed.at("/output/0/content/0/text").asText());
        JsonNode error = events.get(events.size() - 1);
        assertEquals("mid_stream_failed", error.path("code").asText());
        assertEquals("broke", error.path("message").asText());
        assertEquals("server_error", error.at("/error/type").asText());
    }
}

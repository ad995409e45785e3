package dev.aigateway.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * {@code POST /v1/responses} through the default chain (openai → anthropic → deepseek) against the simulator:
 * whole and streamed answers in the Responses API's shape, a function tool round trip, what is refused, and
 * the gateway's own behaviours (failover, mid-stream continuation, idempotent replay) in this API's shape.
 */
class ResponsesHttpTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    static final String OPENAI = "Simulated openai (gpt-4.1) answering: ";
    static final String ANTHROPIC = "Simulated anthropic (claude-sonnet-4-6) answering: ";

    static HttpResponse<String> post(String json, String... headers) {
        return gw.post("/v1/responses", "application/json", json, headers);
    }

    @Test
    void aPlainAnswerIsAResponseObject() {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"instructions\":\"Be brief.\",\"input\":\"Hello there\","
                + "\"max_output_tokens\":200,\"temperature\":0.5,\"store\":true,\"metadata\":{\"team\":\"a\"}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("response", body.path("object").asText());
        assertTrue(body.path("id").asText().startsWith("resp_"), body.toString());
        assertEquals("completed", body.path("status").asText());
        assertEquals(1, body.path("output").size(), body.toString());
        JsonNode item = body.path("output").path(0);
        assertEquals("message", item.path("type").asText());
        assertEquals("assistant", item.path("role").asText());
        assertEquals("output_text", item.at("/content/0/type").asText());
        assertEquals(OPENAI + "Hello there", item.at("/content/0/text").asText());
        assertTrue(item.at("/content/0/annotations").isArray());
        assertEquals(gw.sim("openai").lastUsage().prompt(), body.at("/usage/input_tokens").asLong());
        assertEquals(gw.sim("openai").lastUsage().completion(), body.at("/usage/output_tokens").asLong());
        assertEquals(body.at("/usage/input_tokens").asLong() + body.at("/usage/output_tokens").asLong(),
                body.at("/usage/total_tokens").asLong());
        assertFalse(body.path("store").asBoolean(true), "nothing is stored, whatever the client asked");
        assertEquals(200, body.path("max_output_tokens").asInt());
        assertEquals("openai", body.at("/gateway/provider").asText());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElse(null));
        // instructions → a system message first; max_output_tokens → max_tokens; store/metadata never reach a chat provider
        JsonNode sent = gw.sim("openai").lastRequest();
        assertEquals("system", sent.at("/messages/0/role").asText());
        assertEquals("Be brief.", sent.at("/messages/0/content").asText());
        assertEquals("user", sent.at("/messages/1/role").asText());
        assertEquals(200, sent.path("max_tokens").asInt());
        assertFalse(sent.has("store") || sent.has("metadata") || sent.has("input"), sent.toString());
    }

    @Test
    void aDeadPrimaryFailsOverAndTheResponseSaysWhoAnswered() {
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_text\",\"text\":\"Who answers?\"}]}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals(ANTHROPIC + "Who answers?", body.at("/output/0/content/0/text").asText());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals("openai,anthropic", r.headers().firstValue("x-gateway-attempts").orElse(null));
        assertEquals("claude-sonnet-4-6", body.path("model").asText());
        assertEquals(1, gw.sim("openai").calls());
    }

    @Test
    void aStreamIsResponseEventsInOrderWithSequenceNumbers() {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":\"Stream it\",\"stream\":true}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<JsonNode> events = events(r.body());
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.path("type").asText()));
        List<String> expected = new ArrayList<>(List.of("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added"));
        int deltas = (int) types.stream().filter("response.output_text.delta"::equals).count();
        assertTrue(deltas > 3, "one delta per streamed piece: " + types);
        for (int i = 0; i < deltas; i++) {
            expected.add("response.output_text.delta");
        }
        expected.addAll(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed"));
        assertEquals(expected, types);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).path("sequence_number").asInt(), "sequence numbers count from 0: " + types);
            if (types.get(i).equals("response.output_text.delta")) {
                text.append(events.get(i).path("delta").asText());
            }
        }
        String answer = OPENAI + "Stream it";
        assertEquals(answer, text.toString());
        JsonNode done = events.get(events.size() - 1).path("response");
        assertEquals("completed", done.path("status").asText());
        assertEquals(events.get(0).at("/response/id").asText(), done.path("id").asText(), "one response id throughout");
        assertEquals(answer, done.at("/output/0/content/0/text").asText());
        assertEquals(events.get(2).at("/item/id").asText(), done.at("/output/0/id").asText());
        assertEquals(gw.sim("openai").lastUsage().completion(), done.at("/usage/output_tokens").asLong());
        assertEquals("openai", done.at("/gateway/provider").asText());
        assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElse(null));
    }

    @Test
    void aStreamCutMidAnswerIsContinuedAsOneMessage() {
        gw.sim("openai").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":\"Explain failover in a sentence\",\"stream\":true}");
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> events = events(r.body());
        StringBuilder text = new StringBuilder();
        int items = 0;
        for (JsonNode e : events) {
            text.append(e.path("type").asText().equals("response.output_text.delta") ? e.path("delta").asText() : "");
            items += e.path("type").asText().equals("response.output_item.added") ? 1 : 0;
        }
        String answer = OPENAI + "Explain failover in a sentence";
        assertEquals(answer, text.toString(), "openai's part and anthropic's continuation, nothing repeated");
        assertEquals(1, items, "one message item");
        JsonNode done = events.get(events.size() - 1);
        assertEquals("response.completed", done.path("type").asText());
        assertEquals(answer, done.at("/response/output/0/content/0/text").asText());
        assertEquals("anthropic", done.at("/response/gateway/mid_stream_failover/to").asText());
        assertEquals("continue", done.at("/response/gateway/mid_stream_failover/mode").asText());
        assertEquals(1, gw.sim("anthropic").calls());
    }

    static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"name\":\"lookup\",\"description\":\"Looks it up\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}}}}]";

    @Test
    void aFunctionToolRoundTrip() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":\"Weather in Oslo\"," + TOOLS + "}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals(1, body.path("output").size(), body.toString());
        JsonNode call = body.at("/output/0");
        assertEquals("function_call", call.path("type").asText());
        assertEquals("lookup", call.path("name").asText());
        assertEquals("Weather in Oslo", Json.MAPPER.readTree(call.path("arguments").asText()).path("query").asText());
        String callId = call.path("call_id").asText();
        assertFalse(callId.isEmpty());
        JsonNode tool = gw.sim("openai").lastRequest().at("/tools/0");
        assertEquals("lookup", tool.at("/function/name").asText(), "a chat function tool: " + tool);
        assertEquals("object", tool.at("/function/parameters/type").asText());

        // the client runs the function and sends the call and its output back with the conversation
        ObjectNode second = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"gpt-4.1\",\"tool_choice\":\"none\"," + TOOLS
                + ",\"input\":[{\"role\":\"user\",\"content\":\"Weather in Oslo\"}]}");
        ((com.fasterxml.jackson.databind.node.ArrayNode) second.get("input")).add(call);
        ((com.fasterxml.jackson.databind.node.ArrayNode) second.get("input")).addObject()
                .put("type", "function_call_output").put("call_id", callId).put("output", "Sunny, 21 C");
        HttpResponse<String> r2 = post(second.toString());
        assertEquals(200, r2.statusCode(), r2.body());
        assertEquals(OPENAI + "Weather in Oslo", TestGateway.json(r2).at("/output/0/content/0/text").asText());
        JsonNode sent = gw.sim("openai").lastRequest().path("messages");
        assertEquals(3, sent.size(), sent.toString());
        assertEquals("assistant", sent.at("/1/role").asText());
        assertEquals(callId, sent.at("/1/tool_calls/0/id").asText());
        assertEquals("lookup", sent.at("/1/tool_calls/0/function/name").asText());
        assertEquals("tool", sent.at("/2/role").asText());
        assertEquals(callId, sent.at("/2/tool_call_id").asText());
        assertEquals("Sunny, 21 C", sent.at("/2/content").asText());
    }

    @Test
    void aStreamedFunctionCallIsOneFunctionCallItem() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":\"Weather in Oslo\",\"stream\":true," + TOOLS + "}");
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> events = events(r.body());
        StringBuilder args = new StringBuilder();
        List<String> types = new ArrayList<>();
        for (JsonNode e : events) {
            types.add(e.path("type").asText());
            args.append(e.path("type").asText().equals("response.function_call_arguments.delta") ? e.path("delta").asText() : "");
        }
        assertEquals("response.output_item.added", types.get(2));
        assertEquals("function_call", events.get(2).at("/item/type").asText());
        assertEquals("lookup", events.get(2).at("/item/name").asText());
        assertEquals(List.of("response.function_call_arguments.done", "response.output_item.done", "response.completed"),
                types.subList(types.size() - 3, types.size()));
        assertEquals(args.toString(), events.get(events.size() - 3).path("arguments").asText());
        assertEquals("Weather in Oslo", Json.MAPPER.readTree(args.toString()).path("query").asText());
        JsonNode item = events.get(events.size() - 1).at("/response/output/0");
        assertEquals(args.toString(), item.path("arguments").asText());
        assertEquals(events.get(2).at("/item/call_id").asText(), item.path("call_id").asText());
    }

    @ParameterizedTest(name = "{0} → 400 naming {1}")
    @CsvSource(delimiter = '|', value = {
            "\"previous_response_id\":\"resp_123\"|previous_response_id",
            "\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"web_search\"}]|tools[1].type",
            "\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_1\"]}]|tools[0].type",
            "\"conversation\":\"conv_1\"|conversation",
            "\"max_tokens\":10|max_tokens",
            "\"frobnicate\":true|frobnicate" })
    void unsupportedParametersAreRefusedByName(String field, String param) {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":\"Hi\"," + field + "}");
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("unsupported_parameter", error.path("code").asText(), error.toString());
        assertEquals(param, error.path("param").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertEquals(0, gw.sim("openai").calls(), "refused before any provider is asked");
    }

    @Test
    void anItemReferenceIsRefusedByItsIndex() {
        HttpResponse<String> r = post("{\"model\":\"gpt-4.1\",\"input\":[{\"role\":\"user\",\"content\":\"Hi\"},"
                + "{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}");
        assertEquals(400, r.statusCode(), r.body());
        assertEquals("input[1].type", TestGateway.json(r).at("/error/param").asText());
    }

    @Test
    void errorsBeforeTheBodyIsReadHaveTheOpenAiShape() {
        HttpResponse<String> r = gw.post("/v1/responses", "text/plain", "hello");
        assertEquals(415, r.statusCode());
        assertEquals("unsupported_media_type", TestGateway.json(r).at("/error/code").asText());
        HttpResponse<String> get = gw.get("/v1/responses/resp_123");
        assertEquals(404, get.statusCode(), "nothing stored to retrieve: " + get.body());
        assertTrue(TestGateway.json(get).has("error"));
    }

    @Test
    void anIdempotentReplayIsAResponseObjectToo() {
        String request = "{\"model\":\"gpt-4.1\",\"input\":\"Once only\"}";
        HttpResponse<String> first = post(request, "idempotency-key", "resp-replay-1");
        HttpResponse<String> again = post(request, "idempotency-key", "resp-replay-1");
        assertEquals(200, again.statusCode(), again.body());
        assertEquals("true", again.headers().firstValue("x-gateway-replayed").orElse(null));
        JsonNode replayed = TestGateway.json(again);
        assertEquals("response", replayed.path("object").asText(), replayed.toString());
        assertEquals(TestGateway.json(first).path("id").asText(), replayed.path("id").asText());
        assertEquals(OPENAI + "Once only", replayed.at("/output/0/content/0/text").asText());
        HttpResponse<String> streamed = post("{\"model\":\"gpt-4.1\",\"input\":\"Once only\",\"stream\":true}",
                "idempotency-key", "resp-replay-1");
        List<JsonNode> events = events(streamed.body());
        assertEquals("response.created", events.get(0).path("type").asText(), streamed.body());
        assertEquals(OPENAI + "Once only", events.get(events.size() - 1).at("/response/output/0/content/0/text").asText());
        // a chat completions request with that id is another API's: served anew, never the Responses body
        HttpResponse<String> chat = gw.chat(TestGateway.request("Once only"), "idempotency-key", "resp-replay-1");
        assertEquals("chat.completion", TestGateway.json(chat).path("object").asText(), chat.body());
        assertEquals(2, gw.sim("openai").calls(), "the Responses replays called no provider");
    }

    /** The data of each {@code event:}/{@code data:} frame; the event name must be the data's type. */
    static List<JsonNode> events(String sse) {
        List<JsonNode> events = new ArrayList<>();
        for (String frame : sse.split("\n\n")) {
            if (frame.isBlank()) {
                continue;
            }
            String[] lines = frame.split("\n");
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), "frame: " + frame);
            JsonNode data;
            try {
                data = Json.MAPPER.readTree(lines[1].substring("data: ".length()));
            } catch (Exception e) {
                throw new AssertionError(frame, e);
            }
            assertEquals(lines[0].substring("event: ".length()), data.path("type").asText());
            events.add(data);
        }
        return events;
    }
}

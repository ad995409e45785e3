package dev.aigateway.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;

/** A Responses API request as the chat request the chains run, and what it refuses by name. */
class ResponsesRequestTest {

    static ObjectNode chat(String json) throws Exception {
        return ResponsesRequest.toChat(Json.MAPPER.readTree(json));
    }

    @Test
    void parametersAndInstructionsBecomeTheChatRequest() throws Exception {
        ObjectNode chat = chat("{\"input\":\"Hi\",\"instructions\":\"Be brief.\",\"model\":\"gpt-4.1\",\"max_output_tokens\":50,"
                + "\"temperature\":0.2,\"top_p\":0.9,\"user\":\"u1\",\"parallel_tool_calls\":false,\"stream\":true,"
                + "\"store\":false,\"metadata\":{\"k\":\"v\"},\"truncation\":\"disabled\",\"include\":[],\"chain\":\"claude\","
                + "\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"r\",\"schema\":{\"type\":\"object\"},\"strict\":true}}}");
        assertEquals("[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]",
                chat.get("messages").toString(), "instructions first, whatever the field order");
        assertEquals(50, chat.path("max_tokens").asInt());
        assertEquals(0.2, chat.path("temperature").asDouble());
        assertEquals(0.9, chat.path("top_p").asDouble());
        assertEquals("u1", chat.path("user").asText());
        assertFalse(chat.path("parallel_tool_calls").asBoolean(true));
        assertTrue(chat.path("stream").asBoolean());
        assertEquals("claude", chat.path("chain").asText(), "gateway fields go on to the parser");
        assertEquals("r", chat.at("/response_format/json_schema/name").asText());
        assertEquals("json_schema", chat.at("/response_format/type").asText());
        for (String gone : new String[] { "input", "instructions", "max_output_tokens", "store", "metadata", "truncation",
                "include", "text" }) {
            assertFalse(chat.has(gone), gone + " is not a chat field: " + chat);
        }
    }

    @Test
    void inputItemsBecomeMessages() throws Exception {
        ObjectNode chat = chat("{\"input\":["
                + "{\"type\":\"message\",\"role\":\"developer\",\"content\":[{\"type\":\"input_text\",\"text\":\"Rules.\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"data:image/png;base64,AAAA\",\"detail\":\"low\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Let me look.\","
                + "\"annotations\":[]}]},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"look\",\"arguments\":\"{}\"},"
                + "{\"type\":\"function_call\",\"call_id\":\"call_2\",\"name\":\"look\",\"arguments\":\"{\\\"x\\\":1}\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_1\",\"output\":\"a cat\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_2\",\"output\":[{\"type\":\"input_text\",\"text\":\"a hat\"}]}]}");
        JsonNode m = chat.get("messages");
        assertEquals(5, m.size(), m.toString());
        assertEquals("{\"role\":\"developer\",\"content\":\"Rules.\"}", m.get(0).toString());
        assertEquals("text", m.at("/1/content/0/type").asText());
        assertEquals("image_url", m.at("/1/content/1/type").asText());
        assertEquals("data:image/png;base64,AAAA", m.at("/1/content/1/image_url/url").asText());
        assertEquals("low", m.at("/1/content/1/image_url/detail").asText());
        assertEquals("Let me look.", m.at("/2/content").asText(), "an assistant turn is plain text");
        assertEquals(2, m.at("/2/tool_calls").size(), "both calls join the assistant turn before them");
        assertEquals("call_2", m.at("/2/tool_calls/1/id").asText());
        assertEquals("{\"x\":1}", m.at("/2/tool_calls/1/function/arguments").asText());
        assertEquals("{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"a cat\"}", m.get(3).toString());
        assertEquals("a hat", m.at("/4/content").asText());
    }

    @Test
    void toolsAndToolChoiceInChatShape() throws Exception {
        ObjectNode chat = chat("{\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\",\"description\":\"d\","
                + "\"parameters\":{\"type\":\"object\"},\"strict\":true}],\"tool_choice\":{\"type\":\"function\",\"name\":\"f\"}}");
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\"d\",\"parameters\":{\"type\":\"object\"},"
                + "\"strict\":true}}", chat.at("/tools/0").toString());
        assertEquals("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}", chat.get("tool_choice").toString());
        assertEquals("required", chat("{\"input\":\"x\",\"tool_choice\":\"required\"}").path("tool_choice").asText());
    }

    @Test
    void fieldsOfNeitherApiGoOnToTheParsersRule() throws Exception {
        assertTrue(chat("{\"input\":\"x\",\"frobnicate\":1}").has("frobnicate"));
    }

    @ParameterizedTest(name = "{0} → {1} ({2})")
    @CsvSource(delimiter = '|', value = {
            "\"previous_response_id\":\"resp_1\"|previous_response_id|unsupported_parameter",
            "\"conversation\":{\"id\":\"conv_1\"}|conversation|unsupported_parameter",
            "\"background\":true|background|unsupported_parameter",
            "\"prompt\":{\"id\":\"pmpt_1\"}|prompt|unsupported_parameter",
            "\"include\":[\"file_search_call.results\"]|include|unsupported_parameter",
            "\"truncation\":\"auto\"|truncation|unsupported_parameter",
            "\"tools\":[{\"type\":\"code_interpreter\"}]|tools[0].type|unsupported_parameter",
            "\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"mcp\",\"server_label\":\"x\"}]|tools[1].type|unsupported_parameter",
            "\"tools\":[{\"type\":\"function\"}]|tools[0].name|invalid_request",
            "\"tool_choice\":{\"type\":\"web_search_preview\"}|tool_choice|unsupported_parameter",
            "\"messages\":[]|messages|unsupported_parameter",
            "\"text\":{\"format\":{\"type\":\"grammar\"}}|text.format.type|unsupported_parameter",
            "\"metadata\":{\"k\":1}|metadata|invalid_request",
            "\"store\":\"yes\"|store|invalid_request",
            "\"instructions\":[\"x\"]|instructions|invalid_request" })
    void refusedByName(String field, String param, String code) {
        GatewayException e = assertThrows(GatewayException.class, () -> chat("{\"input\":\"x\"," + field + "}"));
        assertEquals(400, e.status());
        assertEquals(param, e.param());
        assertEquals(code, e.code());
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
            "{}|input",
            "{\"input\":[]}|input",
            "{\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}|input[0].type",
            "{\"input\":[{\"type\":\"reasoning\",\"summary\":[]}]}|input[0].type",
            "{\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}|input[0].role",
            "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}|input[0].content[0].type",
            "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}|input[0].content[0].file_id",
            "{\"input\":[{\"type\":\"function_call\",\"call_id\":\"c\",\"name\":\"f\",\"arguments\":{}}]}|input[0].arguments",
            "{\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}|input[0].call_id" })
    void badInputIsRefusedByItsPath(String body, String param) {
        GatewayException e = assertThrows(GatewayException.class, () -> chat(body));
        assertEquals(400, e.status());
        assertEquals(param, e.param());
    }
}

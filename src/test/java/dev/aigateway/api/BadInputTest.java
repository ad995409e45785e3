package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** Bad input never reaches a provider and never yields a 500: each case gets its 4xx and an OpenAI-style error. */
class BadInputTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.max-body-bytes", "20000"));

    @AfterEach
    void noProviderWasCalled() {
        assertEquals(0, gw.sim("openai").calls() + gw.sim("anthropic").calls() + gw.sim("deepseek").calls(),
                "bad input must never reach a provider");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "invalid JSON                 | {\"messages\": [                                          | 400 | invalid_json   |",
            "not an object                | [1,2,3]                                                    | 400 | invalid_request |",
            "missing messages             | {\"model\":\"gpt-4.1\"}                                    | 400 | invalid_request | messages",
            "empty messages               | {\"messages\":[]}                                          | 400 | invalid_request | messages",
            "messages not an array        | {\"messages\":\"hi\"}                                      | 400 | invalid_request | messages",
            "message not an object        | {\"messages\":[\"hi\"]}                                    | 400 | invalid_request | messages[0]",
            "unknown role                 | {\"messages\":[{\"role\":\"bot\",\"content\":\"x\"}]}      | 400 | invalid_request | messages[0].role",
            "missing role                 | {\"messages\":[{\"content\":\"x\"}]}                       | 400 | invalid_request | messages[0].role",
            "content a number             | {\"messages\":[{\"role\":\"user\",\"content\":42}]}        | 400 | invalid_request | messages[0].content",
            "content missing              | {\"messages\":[{\"role\":\"user\"}]}                       | 400 | invalid_request | messages[0].content",
            "temperature a string         | {\"prompt\":\"x\",\"temperature\":\"hot\"}                 | 400 | invalid_request | temperature",
            "temperature out of range     | {\"prompt\":\"x\",\"temperature\":7}                       | 400 | invalid_request | temperature",
            "max_tokens negative          | {\"prompt\":\"x\",\"max_tokens\":-1}                       | 400 | invalid_request | max_tokens",
            "max_tokens huge number       | {\"prompt\":\"x\",\"max_tokens\":1e400}                    | 400 | invalid_request | max_tokens",
            "model not a string           | {\"prompt\":\"x\",\"model\":{}}                            | 400 | invalid_request | model",
            "stream not a boolean         | {\"prompt\":\"x\",\"stream\":\"yes\"}                      | 400 | invalid_request | stream",
            "empty prompt                 | {\"prompt\":\"\"}                                          | 400 | invalid_request | prompt",
            "unknown chain                | {\"prompt\":\"x\",\"chain\":\"nope\"}                      | 400 | unknown_chain   | chain",
            "tool message without id      | {\"messages\":[{\"role\":\"tool\",\"content\":\"r\"}]}     | 400 | invalid_request | messages[0].tool_call_id",
    })
    void rejected(String name, String body, int status, String code, String param) {
        HttpResponse<String> r = gw.chat(body);
        assertError(r, status, code);
        if (param != null) {
            assertEquals(param, TestGateway.json(r).at("/error/param").asText(), r.body());
        }
    }

    @Test
    void emptyBody() {
        assertError(gw.chat(""), 400, "invalid_request");
    }

    @Test
    void nonJsonContentType() {
        assertError(gw.post("/v1/chat/completions", "application/x-www-form-urlencoded", "messages=hi"), 415,
                "unsupported_media_type");
        assertError(gw.post("/v1/chat/completions", "text/plain", TestGateway.request("x")), 415, "unsupported_media_type");
        assertError(gw.post("/v1/chat/completions", null, TestGateway.request("x")), 415, "unsupported_media_type");
    }

    @Test
    void bodyOverTheLimit() {
        String big = TestGateway.request("x".repeat(30_000));
        HttpResponse<String> r = gw.chat(big);
        assertError(r, 413, "request_too_large");
        assertTrue(TestGateway.json(r).at("/error/message").asText().contains("gateway.max-body-bytes"));
    }

    @Test
    void deeplyNestedJson() {
        String deep = "{\"prompt\":\"x\",\"metadata\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        assertError(gw.chat(deep), 400, "invalid_json");
    }

    @Test
    void invalidUtf8() {
        HttpResponse<String> r = gw.post("/v1/chat/completions", "application/json",
                new String(new byte[] { '{', '"', 'p', '"', ':', (byte) 0xC3, (byte) 0x28, '}' },
                        java.nio.charset.StandardCharsets.ISO_8859_1));
        assertEquals(400, r.statusCode(), r.body());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("content-type").orElse("").contains("application/json"));
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals(code, error.path("code").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText());
        assertTrue(!error.path("message").asText().isEmpty());
    }
}

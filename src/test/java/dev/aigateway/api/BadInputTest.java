package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
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
            // identifiers (Identifiers: 1-128 of [A-Za-z0-9._:-]) are checked before anything else
            "request_id with CR/LF        | {\"prompt\":\"x\",\"request_id\":\"a\\r\\nb\"}          | 400 | invalid_identifier | request_id",
            "request_id with DEL          | {\"prompt\":\"x\",\"request_id\":\"a\\u007fb\"}          | 400 | invalid_identifier | request_id",
            "request_id too long          | {\"prompt\":\"x\",\"request_id\":\"LONG\"}                  | 400 | invalid_identifier | request_id",
            "session_id with LF           | {\"prompt\":\"x\",\"session_id\":\"s\\nX-Forged: 1\"}    | 400 | invalid_identifier | session_id",
            "session_id with DEL          | {\"prompt\":\"x\",\"session_id\":\"\\u007f\"}             | 400 | invalid_identifier | session_id",
            "chain with CR/LF             | {\"prompt\":\"x\",\"chain\":\"default\\r\\n\"}          | 400 | invalid_identifier | chain",
            "bad id beats bad messages    | {\"messages\":42,\"request_id\":\"a b\"}                   | 400 | invalid_identifier | request_id",
            // fields no provider API is sent, and fields billed beyond the price table
            "unknown field                | {\"prompt\":\"x\",\"frobnicate\":true}                    | 400 | unsupported_parameter | frobnicate",
            "service_tier priority        | {\"prompt\":\"x\",\"service_tier\":\"priority\"}         | 400 | unsupported_parameter | service_tier",
            "audio output                 | {\"prompt\":\"x\",\"audio\":{\"voice\":\"alloy\"}}      | 400 | unsupported_parameter | audio",
            "audio modality               | {\"prompt\":\"x\",\"modalities\":[\"text\",\"audio\"]}  | 400 | unsupported_parameter | modalities",
            "web search                   | {\"prompt\":\"x\",\"web_search_options\":{}}               | 400 | unsupported_parameter | web_search_options",
            "predicted output             | {\"prompt\":\"x\",\"prediction\":{\"type\":\"content\"}} | 400 | unsupported_parameter | prediction",
            // gateway.max-tokens-limit / gateway.max-n (defaults 32768 / 8)
            "max_tokens above the limit   | {\"prompt\":\"x\",\"max_tokens\":32769}                   | 400 | integer_above_max_value | max_tokens",
            "max_completion_tokens above  | {\"prompt\":\"x\",\"max_completion_tokens\":2000000000}   | 400 | integer_above_max_value | max_completion_tokens",
            "n above the limit            | {\"prompt\":\"x\",\"n\":9}                                | 400 | integer_above_max_value | n",
    })
    void rejected(String name, String body, int status, String code, String param) {
        HttpResponse<String> r = gw.chat(body.replace("LONG", "r".repeat(Identifiers.MAX_LENGTH + 1)));
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
    void invalidUtf8() throws Exception {
        // the bytes go out as they are: C3 28 is an invalid two-byte sequence, FF never occurs in UTF-8
        byte[] body = { '{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, '"', '}' };
        HttpResponse<String> r = gw.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port
                + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertError(r, 400, "invalid_json");
        assertTrue(TestGateway.json(r).at("/error/message").asText().contains("UTF-8"), r.body());
    }

    @Test
    void streamedRequestsWithADelInTheRequestIdCallNoProviderAndLeaveTheBreakerClosed() {
        String body = "{\"stream\":true,\"request_id\":\"req-\\u007f-1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = gw.chat(body);
            assertError(r, 400, "invalid_identifier");
            assertEquals("request_id", TestGateway.json(r).at("/error/param").asText());
        }
        assertEquals(0, gw.sim("openai").calls(), "no provider is called (nor billed) for a bad id");
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai").getState());
        assertEquals(0, gw.breaker("openai").getMetrics().getNumberOfFailedCalls(), "nothing counted against openai");
    }

    @Test
    void nonStreamedRequestsWithCrLfInTheRequestIdCallNoProvider() {
        String body = "{\"request_id\":\"req-1\\r\\nX-Forged: yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = gw.chat(body);
            assertError(r, 400, "invalid_identifier");
            assertEquals("request_id", TestGateway.json(r).at("/error/param").asText());
            assertTrue(r.headers().firstValue("x-forged").isEmpty());
        }
        assertEquals(0, gw.sim("openai").calls());
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai").getState());
    }

    @Test
    void aChainHeaderOutsideTheIdentifierRuleIsRefusedNamingTheHeader() {
        for (String chain : new String[] { "de fault", "c".repeat(Identifiers.MAX_LENGTH + 1), "default;drop" }) {
            HttpResponse<String> r = gw.chat(TestGateway.request("x"), "x-gateway-chain", chain);
            assertError(r, 400, "invalid_identifier");
            assertEquals("x-gateway-chain", TestGateway.json(r).at("/error/param").asText());
        }
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

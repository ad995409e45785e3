package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** gateway.unknown-fields=drop: unknown fields never reach the upstream, and the response names them. */
class UnknownFieldsDropTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("gateway.unknown-fields", "drop"));

    static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"drop\"}],\"seed\":3,\"frobnicate\":true,"
            + "\"x_vendor_extra\":{\"a\":1}}";

    @Test
    void unknownFieldsAreDroppedAndNamedInAHeader() {
        HttpResponse<String> r = gw.chat(BODY);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("frobnicate,x_vendor_extra", r.headers().firstValue("x-gateway-dropped-fields").orElse(null));
        JsonNode seen = gw.sim("openai").lastRequest();
        assertFalse(seen.has("frobnicate") || seen.has("x_vendor_extra"), "the upstream never sees them: " + seen);
        assertEquals(3, seen.path("seed").asInt(), "known fields still go out");

        HttpResponse<String> clean = gw.chat(TestGateway.request("nothing to drop"));
        assertEquals(200, clean.statusCode());
        assertTrue(clean.headers().firstValue("x-gateway-dropped-fields").isEmpty());
    }

    @Test
    void aStreamedAnswerCarriesTheHeaderToo() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(BODY.replace("{\"messages\"", "{\"stream\":true,\"messages\""))).build();
        HttpResponse<InputStream> r = gw.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            assertEquals(200, r.statusCode());
            assertEquals("frobnicate,x_vendor_extra", r.headers().firstValue("x-gateway-dropped-fields").orElse(null));
            assertTrue(in.lines().anyMatch("data: [DONE]"::equals));
        }
        assertFalse(gw.sim("openai").lastRequest().has("frobnicate"));
    }

    @Test
    void pricedFieldsAndUnreportableNamesAreStillRefused() {
        for (String extra : new String[] { "\"web_search_options\":{}", "\"service_tier\":\"flex\"", "\"bad name\":1",
                "\"bad\\r\\nname\":1" }) {
            HttpResponse<String> r = gw.chat(BODY.replace("\"seed\":3", extra));
            assertEquals(400, r.statusCode(), extra + " -> " + r.body());
            assertEquals("unsupported_parameter", TestGateway.json(r).at("/error/code").asText());
        }
        StringBuilder many = new StringBuilder("{\"prompt\":\"x\"");
        for (int i = 0; i < 17; i++) {
            many.append(",\"f").append(i).append("\":1");
        }
        assertEquals(400, gw.chat(many.append('}').toString()).statusCode(), "more than 16 unknown fields");
        assertEquals(0, gw.sim("openai").calls());
    }

    /** The Responses API (dev.aigateway.responses) applies the same rule to fields neither API has. */
    @Test
    void theResponsesApiDropsAndNamesThemToo() {
        HttpResponse<String> r = gw.post("/v1/responses", "application/json",
                "{\"model\":\"gpt-4.1\",\"input\":\"drop\",\"frobnicate\":true,\"x_vendor_extra\":{\"a\":1}}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("response", TestGateway.json(r).path("object").asText());
        assertEquals("frobnicate,x_vendor_extra", r.headers().firstValue("x-gateway-dropped-fields").orElse(null));
        assertFalse(gw.sim("openai").lastRequest().has("frobnicate"));
        // a chat completions field is no Responses field: refused even here, with the Responses spelling to use
        HttpResponse<String> chatField = gw.post("/v1/responses", "application/json",
                "{\"model\":\"gpt-4.1\",\"input\":\"drop\",\"max_tokens\":5}");
        assertEquals(400, chatField.statusCode(), chatField.body());
        assertTrue(TestGateway.json(chatField).at("/error/message").asText().contains("max_output_tokens"));
    }
}

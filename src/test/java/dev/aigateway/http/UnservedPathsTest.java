package dev.aigateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** A path or method the gateway does not serve: OpenAI-style JSON naming it, never the server's HTML page. */
class UnservedPathsTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(java.util.Map.of());

    @Test
    void anUnknownPathIsA404JsonErrorNamingItAndWhatIsServed() {
        HttpResponse<String> r = gw.post("/v1/images/generations", "application/json", "{\"prompt\":\"hi\"}");
        assertEquals(404, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("content-type").orElseThrow());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("not_found", error.path("code").asText(), r.body());
        assertEquals("invalid_request_error", error.path("type").asText(), r.body());
        assertTrue(error.path("message").asText().startsWith("No endpoint POST /v1/images/generations on this gateway"), r.body());
        assertTrue(error.path("message").asText().contains("POST /v1/chat/completions"), r.body());
        assertEquals(404, gw.get("/").statusCode());
        assertEquals("not_found", TestGateway.json(gw.get("/nope/deeper?x=1")).at("/error/code").asText());
    }

    @Test
    void aWrongMethodIsA405JsonErrorWithAllow() {
        HttpResponse<String> r = gw.get("/v1/chat/completions");
        assertEquals(405, r.statusCode(), r.body());
        assertEquals("POST", r.headers().firstValue("allow").orElseThrow());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals("method_not_allowed", error.path("code").asText(), r.body());
        assertTrue(error.path("message").asText().startsWith("GET is not allowed on /v1/chat/completions"), r.body());
        assertEquals(0, gw.sim("openai").calls());
    }

    @Test
    void theCallersPathGoesBackBoundedAndPrintable() {
        HttpResponse<String> r = gw.get("/v1/%0d%0aSet-Cookie:%20x=1/" + "a".repeat(1000));
        assertEquals(404, r.statusCode(), r.body());
        String message = TestGateway.json(r).at("/error/message").asText();
        assertFalse(message.contains("\r") || message.contains("\n"), message);
        assertTrue(message.length() < 800, message.length() + " chars");
        assertTrue(gw.chat(TestGateway.request("still serving")).statusCode() == 200);
    }
}

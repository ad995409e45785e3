package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Why a request's chain was chosen, in the order {@link RequestParser#parse} chooses it. */
class RouteReasonTest {

    private static String reason(String body, String header) {
        return RequestParser.routeReason(RequestParser.readJson(body.getBytes(StandardCharsets.UTF_8)), header);
    }

    @Test
    void headerThenBodyChainThenExpensiveModelThenDefault() {
        assertEquals("x-gateway-chain", reason("{\"chain\":\"cheap\",\"require_expensive_model\":true}", "premium"));
        assertEquals("body chain", reason("{\"chain\":\"cheap\",\"require_expensive_model\":true}", " "));
        assertEquals("require_expensive_model", reason("{\"require_expensive_model\":true}", null));
        assertEquals("default-chain", reason("{\"require_expensive_model\":false,\"chain\":7}", null));
    }
}

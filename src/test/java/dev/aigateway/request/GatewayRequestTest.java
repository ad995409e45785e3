package dev.aigateway.request;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * The request's one exchange property: created once, shared by the copies a circuit breaker makes,
 * charged once, and readable by the routes' simple expressions (routes/chat.yaml, routes/providers.yaml).
 */
class GatewayRequestTest {

    @Test
    void oneObjectPerRequestSharedWithTheBreakersCopies() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(context);
            GatewayRequest request = GatewayRequest.of(exchange);
            assertSame(request, GatewayRequest.of(exchange));
            assertSame(request, exchange.getProperty(GatewayRequest.PROPERTY));
            Exchange copy = exchange.copy();
            assertSame(request, GatewayRequest.of(copy), "a copy writes into the same request state");
            copy.setProperty("gatewayCallAgain", true); // a per-call flag stays on its copy
            assertNull(exchange.getProperty("gatewayCallAgain"));
            assertEquals(0, request.deadlineNanos());
            assertNull(request.routeReason());
        }
    }

    @Test
    void anAdmittedRequestIsChargedOnce() {
        GatewayRequest request = new GatewayRequest();
        assertFalse(request.chargeOnce(), "not admitted: never charged");
        request.admitted();
        assertTrue(request.chargeOnce());
        assertFalse(request.chargeOnce());
    }

    /**
     * A simple OGNL path into an object (${exchangeProperty.gateway.chainEndpoint}) makes Camel introspect
     * the object's class on every evaluation: one such toD halved the gateway's throughput
     * (bench/compare.sh, 2026-11-30). Routes test plain properties instead.
     */
    @Test
    void noRouteReadsIntoAnObjectWithOgnl() throws Exception {
        java.util.regex.Pattern ognl = java.util.regex.Pattern.compile(
                "\\$\\{(exchangeProperty|header|variable|body)[.\\[][^}]*?[A-Za-z0-9_\\]]\\.[A-Za-z]");
        java.util.List<String> found = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("routes"))) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                java.util.List<String> lines = java.nio.file.Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (!line.trim().startsWith("#") && ognl.matcher(line).find()) {
                        found.add(file.getFileName() + ":" + (i + 1) + ": " + line.trim());
                    }
                }
            }
        }
        assertTrue(found.isEmpty(), "OGNL paths in routes: " + found);
    }
}

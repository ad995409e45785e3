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

    @Test
    void theRoutesExpressionsReadIt() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(context);
            GatewayRequest request = GatewayRequest.of(exchange);
            request.selectChain("premium", "direct:chain-premium-3", "require_expensive_model");
            assertEquals("direct:chain-premium-3", context.resolveLanguage("simple")
                    .createExpression("${exchangeProperty.gateway.chainEndpoint}").evaluate(exchange, String.class));
            String streamed = "${exchangeProperty.gateway.answerStream} != null";
            assertFalse(context.resolveLanguage("simple").createPredicate(streamed).matches(exchange));
            request.setAnswerStream(new GatewayRequest.Answer() {
            });
            assertTrue(context.resolveLanguage("simple").createPredicate(streamed).matches(exchange));
        }
    }
}

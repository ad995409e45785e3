package dev.aigateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;

/**
 * The API listens a moment before the chains are live: a request then is "come back in a second" (503 +
 * Retry-After), never a 400 unknown_chain that a client would not retry.
 */
class StartingGatewayTest {

    @Test
    void aRequestBeforeTheChainsAreLiveIsA503WithRetryAfter() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            LiveChains chains = new LiveChains(context, List.of("openai"));
            HttpIngress ingress = new HttpIngress(new RequestParser("default", "premium", 32768, 8, "reject"), null, chains,
                    null, null, 1 << 20, List.of());
            Exchange exchange = new DefaultExchange(context);
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes());
            GatewayException refused = assertThrows(GatewayException.class, () -> ingress.readRequest(exchange));
            assertEquals(503, refused.status());
            assertEquals("gateway_starting", refused.code());
            assertEquals(1, refused.retryAfterSeconds());

            chains.onCamelContextFullyStarted(context, false);
            GatewayException afterwards = assertThrows(GatewayException.class, () -> ingress.readRequest(exchange));
            assertEquals("unknown_chain", afterwards.code(), "live now: no chain file loaded in this bare context");
        }
    }
}

package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * {@link ApiKeys#account} charges an admitted request exactly once, however many of the ingress route's steps
 * (the step after the chain, the error handler) reach it, and never a request that was refused.
 */
class ApiKeysAccountTest {

    @Test
    void anAdmittedRequestIsChargedOnceAndARefusedOneNever() throws Exception {
        Path file = Files.createTempDirectory("keys").resolve("gateway-keys.json");
        KeyFile keys = new KeyFile(file);
        String secret = keys.create("team-once", List.of(), List.of(), 1, 0).secret();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ApiKeys apiKeys = new ApiKeys(true, keys, new GatewayMetrics(registry), 60_000);
                DefaultCamelContext context = new DefaultCamelContext()) {
            Exchange admitted = exchange(context, secret);
            apiKeys.authenticate(admitted, "http");
            apiKeys.admit(admitted);
            admitted.getMessage().setBody(new ChatResult("openai", "gpt-4.1", null, 10, 5, 0.25, "stop", 1));
            apiKeys.account(admitted); // after the chain
            apiKeys.account(admitted); // and the error handler, after a reply that could not be written
            JsonNode usage = apiKeys.describe().at("/keys/0/usage");
            assertEquals(1, usage.path("requests").asLong());
            assertEquals(5, usage.path("completion_tokens").asLong());
            assertEquals(0.25, usage.path("cost_usd").asDouble(), 1e-12);
            assertEquals(5.0, registry.get("gateway.key.tokens").tag("direction", "out").counter().count(), 0.0);

            // the key's one request per minute is used: refused, and its error handler charges nothing
            Exchange refused = exchange(context, secret);
            apiKeys.authenticate(refused, "http");
            assertEquals(429, assertThrows(GatewayException.class, () -> apiKeys.admit(refused)).status());
            apiKeys.account(refused);
            assertEquals(1, apiKeys.describe().at("/keys/0/usage/requests").asLong());
        }
    }

    private static Exchange exchange(DefaultCamelContext context, String secret) {
        Exchange e = new DefaultExchange(context);
        e.getMessage().setHeader("Authorization", "Bearer " + secret);
        return e;
    }
}

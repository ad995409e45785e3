package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

import dev.aigateway.GatewayApplication;
import dev.aigateway.TestGateway;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * The gateway as a user starts it, in its own JVM from the repo root, configured only through
 * environment variables: upper-snake-case names override config/application.properties, and API keys
 * come from the conventional variables and reach the provider, but never the log.
 */
class EnvironmentOverrideTest {
    static final String OPENAI_KEY = "sk-envtest-FAKE-0123456789abcdefghij";
    static final String ANTHROPIC_KEY = "sk-ant-envtest-FAKE-0123456789abcdef";

    @Test
    void environmentVariablesOverrideSettingsAndCarryKeys() throws Exception {
        try (ProviderSimulator upstream = new ProviderSimulator("127.0.0.1").start(0)) {
            upstream.provider("openai", "openai", 0);
            upstream.provider("anthropic", "anthropic", 0);
            int port = AvailablePortFinder.getNextAvailable();
            Path log = Files.createTempFile("gateway", ".log");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), GatewayApplication.class.getName())
                    .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("GATEWAY_HTTP_PORT", String.valueOf(port));
            pb.environment().put("GATEWAY_SIMULATOR_MODE", "off");
            // only the providers pointed at the loopback upstream: no probe leaves this machine
            pb.environment().put("GATEWAY_PROVIDERS", "openai,anthropic,deepseek");
            pb.environment().put("PROVIDER_OPENAI_BASE_URL", upstream.baseUrl("openai"));
            pb.environment().put("PROVIDER_OPENAI_MODEL", "model-from-env");
            pb.environment().put("PROVIDER_OPENAI_TIMEOUT", "30s"); // a duration as documented, not a bare ms number
            pb.environment().put("PROVIDER_ANTHROPIC_BASE_URL", upstream.baseUrl("anthropic"));
            pb.environment().put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
            pb.environment().put("GATEWAY_KAFKA_ENABLED", "false"); // HTTP only: no embedded broker in the repo dir
            pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
            pb.environment().put("OPENAI_API_KEY", OPENAI_KEY);
            pb.environment().put("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
            Process gateway = pb.start();
            try {
                HttpClient http = HttpClient.newHttpClient();
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json").header("Authorization", "Bearer client-secret-xyz")
                        .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("env"))).build();
                HttpResponse<String> r = TestGateway.awaitServing(http, request, gateway, () -> read(log));
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("model-from-env", TestGateway.json(r).path("model").asText(), "PROVIDER_OPENAI_MODEL applied");
                assertEquals(1, upstream.provider("openai").calls(), "PROVIDER_OPENAI_BASE_URL applied");
                assertEquals("Bearer " + OPENAI_KEY, upstream.provider("openai").lastCredential(), "OPENAI_API_KEY sent");

                upstream.provider("openai").faults(dev.aigateway.simulator.Faults.of("error").withStatus(401));
                HttpResponse<String> fellBack = http.send(request, HttpResponse.BodyHandlers.ofString());
                assertEquals("anthropic", fellBack.headers().firstValue("x-gateway-provider").orElseThrow());
                assertEquals(ANTHROPIC_KEY, upstream.provider("anthropic").lastCredential(), "x-api-key from ANTHROPIC_API_KEY");
                for (HttpResponse<String> resp : new HttpResponse[] { r, fellBack }) {
                    assertFalse(resp.body().contains("envtest") || resp.headers().toString().contains("envtest"));
                    assertFalse(resp.headers().toString().contains("client-secret"), "client headers are not echoed");
                }
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
            String output = read(log);
            assertTrue(output.contains("key from env OPENAI_API_KEY"), output);
            assertFalse(output.contains("envtest"), "API keys never appear in the log");
            assertFalse(output.contains("client-secret"), "client credentials never appear in the log");
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}

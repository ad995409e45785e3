package dev.aigateway.auth;

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
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;

import dev.aigateway.GatewayApplication;
import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * Traffic with known secrets through the gateway as users run it (own JVM, configured by environment):
 * provider keys, a gateway key, the admin key, a wrong key, a provider answering 401, a streamed answer.
 * None of the secrets may appear in the log, in any reply (status line, headers, body) or on the metrics page.
 */
class SecretLeakTest {
    static final String OPENAI_KEY = "sk-leaktest-FAKE-openai-0123456789";
    static final String ANTHROPIC_KEY = "sk-ant-leaktest-FAKE-0123456789ab";
    static final String ADMIN_KEY = "admin-leaktest-FAKE-9f8e7d6c5b4a";
    static final String WRONG_KEY = "sk-gw-leaktest-WRONG-FAKE-00000000";

    @Test
    void noSecretLeavesTheGateway() throws Exception {
        Path dir = Files.createTempDirectory("leak");
        KeyFile keys = new KeyFile(dir.resolve("gateway-keys.json"));
        String gatewayKey = keys.create("team-leak", List.of(), List.of(), 0, 0).secret();
        List<String> secrets = List.of(OPENAI_KEY, ANTHROPIC_KEY, ADMIN_KEY, WRONG_KEY, gatewayKey,
                "leaktest", gatewayKey.substring(6, 20));
        try (ProviderSimulator upstream = new ProviderSimulator("127.0.0.1").start(0)) {
            upstream.provider("openai", "openai", 0, 0);
            upstream.provider("anthropic", "anthropic", 0, 0);
            upstream.provider("deepseek", "openai", 0, 0);
            int port = AvailablePortFinder.getNextAvailable();
            int management = AvailablePortFinder.getNextAvailable();
            Path log = Files.createTempFile("gateway", ".log");
            ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-cp", System.getProperty("java.class.path"), GatewayApplication.class.getName())
                    .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("GATEWAY_HTTP_PORT", String.valueOf(port));
            pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(management));
            pb.environment().put("GATEWAY_SIMULATOR_MODE", "off");
            // only the providers pointed at the loopback upstream: no probe leaves this machine
            pb.environment().put("GATEWAY_PROVIDERS", "openai,anthropic,deepseek");
            pb.environment().put("GATEWAY_KAFKA_ENABLED", "false");
            pb.environment().put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
            pb.environment().put("LOG_LEVEL", "DEBUG"); // the most a log can say
            for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
                pb.environment().put("PROVIDER_" + p.toUpperCase() + "_BASE_URL", upstream.baseUrl(p));
            }
            pb.environment().put("OPENAI_API_KEY", OPENAI_KEY);
            pb.environment().put("ANTHROPIC_API_KEY", ANTHROPIC_KEY);
            pb.environment().put("GATEWAY_AUTH_ENABLED", "true");
            pb.environment().put("GATEWAY_AUTH_KEYS_FILE", keys.path().toString());
            pb.environment().put("GATEWAY_ADMIN_KEY", ADMIN_KEY);
            Process gateway = pb.start();
            List<HttpResponse<String>> replies = new ArrayList<>();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String url = "http://127.0.0.1:" + port;
                String admin = "http://127.0.0.1:" + management; // gateway.admin.port: the management port
                HttpResponse<String> first = TestGateway.awaitServing(http, chat(url, gatewayKey, TestGateway.request("hello")),
                        gateway, () -> read(log));
                assertEquals(200, first.statusCode(), first.body());
                replies.add(first);
                upstream.provider("openai").faults(Faults.of("error").withStatus(401)); // the provider refuses our key
                replies.add(http.send(chat(url, gatewayKey, TestGateway.request("after 401")), HttpResponse.BodyHandlers.ofString()));
                upstream.provider("anthropic").faults(Faults.of("cut").withAfterChunks(5).withChunkMs(0));
                replies.add(http.send(chat(url, gatewayKey, TestGateway.request("stream it").replace("{", "{\"stream\":true,")),
                        HttpResponse.BodyHandlers.ofString()));
                replies.add(http.send(chat(url, WRONG_KEY, TestGateway.request("wrong")), HttpResponse.BodyHandlers.ofString()));
                replies.add(http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/keys"))
                        .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(), HttpResponse.BodyHandlers.ofString()));
                replies.add(http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/keys"))
                        .header("Authorization", "Bearer " + WRONG_KEY).GET().build(), HttpResponse.BodyHandlers.ofString()));
                replies.add(http.send(HttpRequest.newBuilder(URI.create(admin + "/admin/providers")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()));
                replies.add(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/observe/metrics"))
                        .GET().build(), HttpResponse.BodyHandlers.ofString()));
                assertEquals(200, replies.get(1).statusCode(), "fell back after the provider's 401");
                assertEquals(401, replies.get(3).statusCode());
                assertEquals(200, replies.get(4).statusCode());
                assertTrue(replies.get(7).body().contains("gateway_key_requests_total"), "the metrics page was read");
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
            String output = read(log);
            assertTrue(output.contains("Gateway API keys required"), output);
            for (String secret : secrets) {
                assertFalse(output.contains(secret), "a secret in the log: " + secret);
                for (HttpResponse<String> r : replies) {
                    assertFalse(r.body().contains(secret) || r.headers().toString().contains(secret),
                            "a secret in a reply to " + r.uri() + ": " + secret);
                }
            }
        }
    }

    private static HttpRequest chat(String url, String key, String body) {
        return HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions")).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}

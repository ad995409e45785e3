package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.aigateway.GatewayApplication;
import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * Settings written the documented way start the gateway and take effect; a value that cannot be read, or
 * a chain naming an unknown provider, stops it with one ERROR line an operator can act on, no stack trace.
 */
class SettingsStartupTest {

    @Test
    void durationsTakeEveryFormAndReachTheCallsTheyTime() throws Exception {
        // stream.internal=false: a plain call, timed by provider.<name>.timeout alone
        try (TestGateway gw = TestGateway.start(Map.of("provider.openai.timeout", "30s",
                "provider.anthropic.timeout", "500ms", "stream.internal", "false",
                "gateway.kafka.session-timeout-ms", "15s", "gateway.kafka.batch-interval-ms", "0.05s"))) {
            gw.sim("openai").faults(Faults.none(1_000));
            HttpResponse<String> slow = gw.chat(TestGateway.request("thirty seconds"));
            assertEquals(200, slow.statusCode(), slow.body());
            assertEquals("openai", slow.headers().firstValue("x-gateway-provider").orElse(null),
                    "30s is thirty seconds: a 1 s answer is waited for");

            gw.sim("openai").faults(Faults.of("error"));
            gw.sim("anthropic").faults(Faults.none(3_000));
            long start = System.nanoTime();
            HttpResponse<String> fellBack = gw.chat(TestGateway.request("half a second"));
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals("deepseek", fellBack.headers().firstValue("x-gateway-provider").orElse(null), fellBack.body());
            assertEquals(1, gw.sim("anthropic").calls());
            assertTrue(tookMs < 2_500, "500ms is half a second: anthropic left after it, not after its 3 s answer; took "
                    + tookMs + " ms");

            // the -ms names are kept (a contract) and take every form too; camel-kafka gets plain ms
            assertEquals("15000", gw.context().resolvePropertyPlaceholders("{{gateway.kafka.session-timeout-ms}}"));
            assertEquals("50", gw.context().resolvePropertyPlaceholders("{{gateway.kafka.batch-interval-ms}}"));
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "PROVIDER_OPENAI_TIMEOUT|thirty|provider.openai.timeout|a duration: 250ms, 30s, 2m, 1h, or a bare number of milliseconds",
            "BREAKER_FAILURE_RATE_THRESHOLD|abc|breaker.failure-rate-threshold|a percentage above 0, at most 100",
            "GATEWAY_AUTH_ENABLED|ture|gateway.auth.enabled|true or false",
            "GATEWAY_KAFKA_SESSION_TIMEOUT_MS|15 s.|gateway.kafka.session-timeout-ms|a duration: 250ms, 30s, 2m, 1h, or a bare number of milliseconds",
            "CAMEL_MANAGEMENT_PORT|abc|camel.management.port|a whole number from 0 to 65535",
            "CAMEL_METRICS_ENABLED|ture|camel.metrics.enabled|true or false",
            "CAMEL_MAIN_SHUTDOWN_TIMEOUT|thirty|camel.main.shutdown-timeout|" })
    void unreadableSettingStopsStartUpWithOneLine(String env, String value, String key, String accepted,
            @TempDir Path dir) throws Exception {
        String output = startAndExpectExit(Map.of(env, value), dir);
        String error = theOnlyErrorLine(output);
        if (accepted == null) { // a camel.* key Camel binds itself: its own reason, and where the forms are
            accepted = "see its row in docs/settings.md";
            assertTrue(error.contains("The gateway could not start: Setting " + key + " (env " + env + ") = '" + value
                    + "' cannot be read by Camel ("), output);
        } else {
            assertTrue(error.contains("The gateway could not start: Setting " + key + " (env " + env + ") = '" + value
                    + "' cannot be read; accepted: " + accepted), output);
        }
        assertTrue(error.endsWith("accepted: " + accepted), error);
    }

    @Test
    void credentialsInABaseUrlStopStartUpWithOneLineThatDoesNotPrintThem(@TempDir Path dir) throws Exception {
        String output = startAndExpectExit(Map.of("PROVIDER_DEEPSEEK_BASE_URL",
                "https://proxyuser:urlpass-FAKE-1234@proxy.example.com:8443/v1"), dir);
        String error = theOnlyErrorLine(output);
        assertTrue(error.contains("provider.deepseek.base-url must not carry credentials"), error);
        assertTrue(error.contains("https://***@proxy.example.com:8443/"), error);
        assertFalse(output.contains("urlpass-FAKE-1234") || output.contains("proxyuser"), "printed: " + output);
    }

    @Test
    void apiPortInUseStopsStartUpWithOneLine(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String error = theOnlyErrorLine(startAndExpectExit(
                    Map.of("GATEWAY_HTTP_PORT", String.valueOf(taken.getLocalPort())), dir));
            assertTrue(error.contains("gateway.http.port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), error);
        }
    }

    @Test
    void simulatorPortInUseStopsStartUpWithOneLine(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String error = theOnlyErrorLine(startAndExpectExit(
                    Map.of("GATEWAY_SIMULATOR_PORT", String.valueOf(taken.getLocalPort())), dir));
            assertTrue(error.contains("gateway.simulator.port"), error);
        }
    }

    @Test
    void aBaseUrlWithoutSchemeStopsStartUpWithOneLine(@TempDir Path dir) throws Exception {
        String error = theOnlyErrorLine(startAndExpectExit(Map.of("PROVIDER_OPENAI_BASE_URL", "localhost:8080/v1"), dir));
        assertTrue(error.contains("provider.openai.base-url must be an http:// or https:// URL with a host; got 'localhost:8080/v1'"),
                error);
    }

    @Test
    void chainNamingAnUnknownProviderStopsStartUpWithOneLine(@TempDir Path dir) throws Exception {
        Path routes = Files.createDirectory(dir.resolve("routes"));
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()));
            }
        }
        Path chain = routes.resolve("chain-premium.yaml");
        Files.writeString(chain, Files.readString(chain).replace("openai", "openia"));
        String output = startAndExpectExit(Map.of("CAMEL_MAIN_ROUTES_INCLUDE_PATTERN", "file:" + routes.toAbsolutePath()
                + "/*.yaml"), dir);
        String error = theOnlyErrorLine(output);
        assertTrue(error.contains("The gateway could not start: Chain file file:" + chain.toAbsolutePath()
                + " names 'openia' in \"tier:openia\", which is neither a configured provider nor a deployment; "
                + "configured: openai, anthropic, deepseek, holysheep, gemini"), output);
    }

    @Test
    void fewerProvidersThanShippedStillStart(@TempDir Path dir) throws Exception {
        // providers.yaml has a route for each shipped provider: one left out of gateway.providers must not stop start-up
        int port = AvailablePortFinder.getNextAvailable();
        Path log = dir.resolve("gateway.log");
        Process gateway = command(Map.of("GATEWAY_PROVIDERS", "openai,anthropic,deepseek", "GATEWAY_SIMULATOR_MODE", "on",
                "GATEWAY_HTTP_PORT", String.valueOf(port)), log).start();
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestGateway.request("three"))).build();
            HttpResponse<String> r = TestGateway.awaitServing(http, request, gateway, () -> read(log));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElse(null));
        } finally {
            gateway.destroy();
            gateway.waitFor();
        }
        assertFalse(read(log).contains(" ERROR "), read(log));
    }

    /** The gateway in its own JVM from the repo root, as a user starts it; returns its output once it exited. */
    private static String startAndExpectExit(Map<String, String> env, Path dir) throws Exception {
        Path log = dir.resolve("gateway.log");
        Process gateway = command(env, log).start();
        try {
            assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "the gateway must stop by itself: " + Files.readString(log));
            assertEquals(1, gateway.exitValue(), Files.readString(log));
        } finally {
            gateway.destroyForcibly();
        }
        return Files.readString(log);
    }

    private static ProcessBuilder command(Map<String, String> env, Path log) {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), GatewayApplication.class.getName())
                .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("GATEWAY_HTTP_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        pb.environment().put("CAMEL_MANAGEMENT_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        pb.environment().put("GATEWAY_SIMULATOR_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        pb.environment().put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
        pb.environment().put("GATEWAY_KAFKA_ENABLED", "false"); // no embedded broker in the repo dir
        pb.environment().putAll(env);
        return pb;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String theOnlyErrorLine(String output) {
        List<String> errors = output.lines().filter(l -> l.contains(" ERROR ")).toList();
        assertEquals(1, errors.size(), "exactly one ERROR line: " + output);
        assertFalse(output.contains("at dev.aigateway"), "no stack trace: " + output);
        assertFalse(output.lines().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")),
                "no stack trace: " + output);
        return errors.get(0);
    }
}

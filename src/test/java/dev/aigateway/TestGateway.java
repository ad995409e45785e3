package dev.aigateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.aigateway.api.Json;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * The real gateway (config/application.properties, routes/*.yaml) started in-process against a real
 * HTTP upstream: a {@link ProviderSimulator} on a free port serving openai, anthropic and deepseek,
 * whose faults each test switches. Only ports, base URLs and breaker sizes are overridden.
 */
public final class TestGateway implements AutoCloseable, BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    public ProviderSimulator upstream;
    public Main main;
    public int port;
    public int managementPort;
    /** gateway.admin.port: /admin/* and /console (the management port unless a test sets it) */
    public int adminPort;
    private final Map<String, String> settings;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(Map<String, String> settings) {
        this.settings = settings;
    }

    /**
     * One gateway for a test class: {@code @RegisterExtension static final TestGateway gw = TestGateway.perClass(...)}
     * starts it before the class's tests, resets it before each test and stops it after the last.
     */
    public static TestGateway perClass(Map<String, String> extra) {
        return new TestGateway(extra);
    }

    public static TestGateway start() {
        return start(Map.of());
    }

    /** A gateway started now, for a test that needs one of its own (close it with try-with-resources). */
    public static TestGateway start(Map<String, String> extra) {
        TestGateway gw = new TestGateway(extra);
        gw.startNow();
        return gw;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startNow();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private void startNow() {
        upstream = new ProviderSimulator("127.0.0.1").start(0);
        Map<String, String> props = new HashMap<>();
        port = AvailablePortFinder.getNextAvailable();
        props.put("gateway.http.port", String.valueOf(port));
        managementPort = AvailablePortFinder.getNextAvailable();
        props.put("camel.management.port", String.valueOf(managementPort));
        props.put("gateway.simulator.mode", "off");
        for (String[] p : new String[][] { { "openai", "openai" }, { "anthropic", "anthropic" }, { "deepseek", "openai" },
                { "holysheep", "openai" }, { "gemini", "openai" }, { "openai-us", "openai" }, { "openai-eu", "openai" },
                { "gemini-native", "gemini" }, { "bedrock", "bedrock" } }) {
            upstream.provider(p[0], p[1], 0, 0); // streams as fast as possible unless a test says otherwise
            props.put("provider." + p[0] + ".base-url", upstream.baseUrl(p[0]));
        }
        // small, predictable breakers: open after 4 calls at >= 50 % failures, half-open after 1 s
        props.put("breaker.sliding-window-size", "4");
        props.put("breaker.minimum-number-of-calls", "4");
        props.put("breaker.failure-rate-threshold", "50");
        props.put("breaker.wait-in-open-state", "1s");
        props.put("breaker.permitted-calls-in-half-open-state", "2");
        props.put("camel.main.routes-reload-enabled", "false");
        props.put("health.interval", "1h"); // one probe at start; HealthCheckTest probes often
        props.put("gateway.kafka.enabled", "false"); // KafkaTestSupport turns it on with its own broker
        // a setting may name this gateway's simulator: @SIM@ is its root URL (e.g. an OAuth2 token endpoint)
        settings.forEach((k, v) -> props.put(k, v.replace("@SIM@", upstream.rootUrl())));
        port = Integer.parseInt(props.get("gateway.http.port")); // a test may choose it
        adminPort = props.containsKey("gateway.admin.port") ? Integer.parseInt(props.get("gateway.admin.port")) : managementPort;
        main = GatewayApplication.newMain(props);
        try {
            main.start();
        } catch (Exception e) {
            upstream.close();
            throw new IllegalStateException("gateway did not start", e);
        }
        // the first health probe round runs at start: wait for it, so no test's faults race with it
        dev.aigateway.health.ProviderHealth health = main.getCamelContext().getRegistry()
                .lookupByNameAndType("providerHealth", dev.aigateway.health.ProviderHealth.class);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> health.results().size() == health.providerNames().size());
        // and for what else readiness waits on (stored replies, key usage read back from Kafka): a test's first request
        // must not get 503 gateway_starting (provider-probes aside: a test may keep a provider hanging)
        for (dev.aigateway.health.StartupReadiness check : main.getCamelContext().getRegistry()
                .findByType(dev.aigateway.health.StartupReadiness.class)) {
            if (!"provider-probes".equals(check.getId())) {
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                        .until(() -> check.call(Map.of()).getState() == org.apache.camel.health.HealthCheck.State.UP);
            }
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public ProviderSimulator.Simulated sim(String provider) {
        return upstream.provider(provider);
    }

    public CircuitBreaker breaker(String provider) {
        return context().getRegistry().lookupByNameAndType(provider, CircuitBreaker.class);
    }

    /** Back to a clean slate between tests: no faults, zero counts, closed breakers, no cooldowns. */
    public void reset() {
        for (String p : new String[] { "openai", "anthropic", "deepseek", "holysheep", "gemini", "openai-us", "openai-eu",
                "gemini-native", "bedrock" }) {
            sim(p).reset();
        }
        // every provider's and deployment's breaker (SPIKE: openai.us when openai has deployments)
        context().getRegistry().lookupByNameAndType("circuitBreakerRegistry",
                io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.class).getAllCircuitBreakers()
                .forEach(CircuitBreaker::reset);
        context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class).clear();
        context().getRegistry().lookupByNameAndType("answerStreams", dev.aigateway.stream.AnswerStreams.class)
                .forgetPrefillRefusals();
    }

    public HttpResponse<String> chat(String json, String... headers) {
        return post("/v1/chat/completions", "application/json", json, headers);
    }

    public HttpResponse<String> post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build());
    }

    /** GET on the management port (/observe/metrics, /observe/health). */
    public HttpResponse<String> management(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path)).GET().build());
    }

    /** GET on the admin port (gateway.admin.port): /admin/*, /console; headers as name, value pairs. */
    public HttpResponse<String> admin(String path, String... headers) {
        return adminCall("GET", path, null, headers);
    }

    /** A call to the admin API on gateway.admin.port ({@code body} null: none). */
    public HttpResponse<String> adminCall(String method, String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    public HttpClient client() {
        return http;
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * For a gateway started in its own JVM: sends {@code request} until it is answered by the routes (the
     * server listens a moment before they are in place: 404, or no connection yet), and returns that answer.
     */
    public static HttpResponse<String> awaitServing(HttpClient http, HttpRequest request, Process gateway,
            java.util.function.Supplier<String> log) {
        java.util.concurrent.atomic.AtomicReference<HttpResponse<String>> answer = new java.util.concurrent.atomic.AtomicReference<>();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!gateway.isAlive()) {
                throw new AssertionError("gateway exited: " + log.get());
            }
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                answer.set(r);
                return r.statusCode() != 404 && !r.body().contains("gateway_starting");
            } catch (java.io.IOException notYetUp) {
                return false;
            }
        });
        return answer.get();
    }

    public static JsonNode json(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** A minimal valid request whose user text lets the test recognise the answer. */
    public static String request(String userText) {
        return "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"" + userText + "\"}]}";
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            // stopping is best effort in tests
        }
        upstream.close();
    }
}

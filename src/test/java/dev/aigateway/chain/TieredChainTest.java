package dev.aigateway.chain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * A 3-step x 2-deployment chain (routes/chain-default.yaml's format): openai.us/openai.eu weighted 3:1,
 * then anthropic+gemini, then deepseek+holysheep, against simulated deployments.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TieredChainTest {
    @TempDir
    static Path routes;
    static TestGateway gw;
    static String chain;

    @BeforeAll
    static void start() throws IOException {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        chain = Files.readString(routes.resolve("chain-default.yaml"))
                .replace("- to: tier:openai\n", "- to: tier:openai.us,openai.eu\n")
                .replace("- to: tier:anthropic\n", "- to: tier:anthropic,gemini\n")
                .replace("- to: tier:deepseek\n", "- to: tier:deepseek,holysheep\n");
        assertTrue(chain.lines().count() <= 40, "one screen");
        writeChain(chain);
        gw = TestGateway.start(Map.ofEntries(
                Map.entry("provider.openai.deployments", "us,eu"),
                Map.entry("provider.openai.deployment.us.base-url", "@SIM@/openai-us/v1"),
                Map.entry("provider.openai.deployment.us.weight", "3"),
                Map.entry("provider.openai.deployment.us.region", "us-east"),
                Map.entry("provider.openai.deployment.eu.base-url", "@SIM@/openai-eu/v1"),
                Map.entry("provider.openai.deployment.eu.weight", "1"),
                Map.entry("camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml"),
                Map.entry("camel.main.routes-reload-enabled", "true"),
                Map.entry("camel.main.routes-reload-directory", routes.toAbsolutePath().toString())));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void reset() {
        gw.reset();
    }

    @Test
    @Order(1)
    void weightsSplitThreeToOne() {
        int n = 1000;
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("split " + i));
            assertEquals(200, r.statusCode(), r.body());
        }
        long us = gw.sim("openai-us").calls();
        long eu = gw.sim("openai-eu").calls();
        assertEquals(n, us + eu);
        assertTrue(Math.abs(us / (double) n - 0.75) <= 0.05, "us " + us + " of " + n);
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("gemini").calls());
    }

    @Test
    @Order(2)
    void oneDeploymentDeadItsBreakerOpensTheOtherServesAllAndTheChainStaysInTheTier() {
        gw.upstream.trackPrompts();
        gw.sim("openai-us").faults(Faults.of("error").withStatus(500));
        CircuitBreaker us = gw.breaker("openai.us");
        for (int i = 0; i < 200; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("one dead " + i));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai.eu", r.headers().firstValue("x-gateway-provider").orElseThrow(), r.body());
        }
        assertEquals(CircuitBreaker.State.OPEN, us.getState());
        assertEquals(CircuitBreaker.State.CLOSED, gw.breaker("openai.eu").getState());
        assertEquals(200, gw.sim("openai-eu").calls());
        assertTrue(gw.sim("openai-us").calls() < 20, "open breaker keeps us out: " + gw.sim("openai-us").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("gemini").calls() + gw.sim("deepseek").calls(),
                "the chain stays in the tier while one deployment serves");
        gw.upstream.callsByPrompt().forEach((prompt, calls) -> assertTrue(calls <= 2, prompt + " called " + calls));
        String metrics = gw.management("/observe/metrics").body();
        assertTrue(metrics.contains("resilience4j_circuitbreaker_state{name=\"openai.us\",state=\"open\"} 1.0"),
                metrics.lines().filter(l -> l.startsWith("resilience4j_circuitbreaker_state")).toList().toString());
        // the provider tag stays the provider's name; the deployment tag says which one
        assertTrue(metrics.contains("gateway_attempts_total{deployment=\"openai.eu\",outcome=\"ok\",provider=\"openai\"} "),
                metrics.lines().filter(l -> l.startsWith("gateway_attempts_total")).toList().toString());
        assertTrue(metrics.contains("gateway_breaker_transitions_total{deployment=\"openai.us\",from=\"CLOSED\",provider=\"openai\",to=\"OPEN\"} "),
                metrics.lines().filter(l -> l.startsWith("gateway_breaker")).toList().toString());
        JsonNode admin = TestGateway.json(gw.admin("/admin/providers")).path("providers");
        JsonNode usStatus = null;
        for (JsonNode d : admin) {
            usStatus = "openai.us".equals(d.path("deployment").asText()) ? d : usStatus;
        }
        assertEquals("openai", usStatus.path("provider").asText(), admin.toString());
        assertEquals("us-east", usStatus.path("region").asText());
        assertEquals(3, usStatus.path("weight").asInt());
        assertEquals("OPEN", usStatus.at("/breaker/state").asText());
        assertTrue(usStatus.path("fallbacks").asLong() >= 2, usStatus.toString());
    }

    @Test
    @Order(3)
    void theChainLeavesTheTierOnlyWhenBothDeploymentsAreOut() {
        gw.sim("openai-us").faults(Faults.of("error").withStatus(500));
        gw.sim("openai-eu").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> first = gw.chat(TestGateway.request("both dead"));
        assertEquals(200, first.statusCode(), first.body());
        String attempts = first.headers().firstValue("x-gateway-attempts").orElseThrow();
        assertTrue(attempts.matches("openai\\.(us,openai\\.eu|eu,openai\\.us),(anthropic|gemini)"), attempts);
        for (int i = 0; i < 99; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("both dead " + i));
            assertEquals(200, r.statusCode(), r.body());
        }
        assertEquals(100, gw.sim("anthropic").calls() + gw.sim("gemini").calls());
        assertTrue(gw.sim("anthropic").calls() >= 40 && gw.sim("gemini").calls() >= 40, "1:1 in tier 2");
        assertEquals(0, gw.sim("deepseek").calls() + gw.sim("holysheep").calls());
        assertEquals(CircuitBreaker.State.OPEN, gw.breaker("openai.us").getState());
        assertEquals(CircuitBreaker.State.OPEN, gw.breaker("openai.eu").getState());
    }

    @Test
    @Order(3)
    void aStreamCutInsideTheTierIsContinuedByTheOtherDeploymentOfTheTier() {
        gw.sim("openai-us").faults(Faults.of("cut").withAfterChunks(2));
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = gw.chat("{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"cut in the tier " + i + "\"}]}");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().trim().endsWith("data: [DONE]") && !r.body().contains("data: {\"error\""), r.body());
        }
        // weighted round robin 3:1: three streams start on us, are cut, and eu continues them; one starts on eu
        assertEquals(3, gw.sim("openai-us").calls());
        assertEquals(4, gw.sim("openai-eu").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("gemini").calls(), "the tier held the answers");
    }

    @Test
    @Order(3)
    void aCoolingDownDeploymentIsPassedOverWithoutACallAndWithoutTouchingItsBreaker() {
        gw.context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class).coolDown("openai.us", 60_000, "test");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("cooling " + i));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai.eu", r.headers().firstValue("x-gateway-provider").orElseThrow());
        }
        assertEquals(0, gw.sim("openai-us").calls());
        assertEquals(0, gw.breaker("openai.us").getMetrics().getNumberOfBufferedCalls(), "a skip is no breaker call");
    }

    @Test
    @Order(3)
    void anUnhealthyDeploymentIsPassedOverInTheTierAndStillTriedLastBeforeTheRequestFails() {
        observe("openai.us", false);
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = gw.chat(TestGateway.request("unhealthy " + i));
            assertEquals("openai.eu", r.headers().firstValue("x-gateway-provider").orElseThrow(), r.body());
        }
        assertEquals(0, gw.sim("openai-us").calls(), "skipped while marked down");
        // everything else really failing: health.mode=try-last calls openai.us after all, outside its breaker
        for (String p : new String[] { "openai-eu", "anthropic", "gemini", "deepseek", "holysheep" }) {
            gw.sim(p).faults(Faults.of("error").withStatus(500));
        }
        HttpResponse<String> last = gw.chat(TestGateway.request("last resort"));
        assertEquals(200, last.statusCode(), last.body());
        assertEquals("openai.us", last.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(1, gw.sim("openai-us").calls());
        observe("openai.us", true);
    }

    @Test
    @Order(3)
    void whenEveryDeploymentIsCoolingDownTheRequestWaitsForTheFirstFreeOne() {
        Cooldowns cooldowns = gw.context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class);
        for (String d : new String[] { "openai.us", "anthropic", "gemini", "deepseek", "holysheep" }) {
            cooldowns.coolDown(d, 60_000, "test");
        }
        cooldowns.coolDown("openai.eu", 300, "test");
        HttpResponse<String> r = gw.chat(TestGateway.request("wait for me"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("openai.eu", r.headers().firstValue("x-gateway-provider").orElseThrow());
        assertEquals(1, gw.sim("openai-eu").calls());
        assertEquals(0, gw.sim("openai-us").calls() + gw.sim("anthropic").calls() + gw.sim("gemini").calls());
    }

    @Test
    @Order(3)
    void aClientErrorInsideATierGoesBackWithoutTryingTheOtherDeployment() {
        gw.sim("openai-us").faults(Faults.of("bad-request"));
        gw.sim("openai-eu").faults(Faults.of("bad-request"));
        HttpResponse<String> r = gw.chat(TestGateway.request("too long"));
        assertEquals(400, r.statusCode(), r.body());
        assertEquals(1, gw.sim("openai-us").calls() + gw.sim("openai-eu").calls());
        assertEquals(0, gw.sim("anthropic").calls() + gw.sim("gemini").calls());
    }

    @Test
    @Order(3)
    void everyDeploymentDownGives503ListingAllSixOnce() {
        for (String p : new String[] { "openai-us", "openai-eu", "anthropic", "gemini", "deepseek", "holysheep" }) {
            gw.sim(p).faults(Faults.of("error").withStatus(500));
        }
        HttpResponse<String> r = gw.chat(TestGateway.request("anyone?"));
        assertEquals(503, r.statusCode(), r.body());
        String attempts = r.headers().firstValue("x-gateway-attempts").orElseThrow();
        assertEquals(6, attempts.split(",").length, attempts);
        assertEquals(6, java.util.Set.of(attempts.split(",")).size(), attempts);
        assertEquals(6, TestGateway.json(r).at("/error/providers_tried").size(), r.body());
    }

    @Test
    @Order(5)
    void threeEditsUnderLoadFailNoRequestAndTheModelsMove() throws Exception {
        for (String p : new String[] { "openai-us", "openai-eu", "anthropic", "gemini" }) {
            gw.sim(p).faults(Faults.none(150)); // requests are in flight during each reload
        }
        LiveChains chains = gw.context().getRegistry().lookupByNameAndType("chains", LiveChains.class);
        AtomicBoolean running = new AtomicBoolean(true);
        List<String> failures = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> byProvider = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        List<Thread> load = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
            load.add(startThread(() -> {
                while (running.get()) {
                    HttpResponse<String> r = gw.chat(TestGateway.request("load " + sent.incrementAndGet()));
                    if (r.statusCode() != 200) {
                        failures.add(r.statusCode() + " " + r.body());
                    } else {
                        byProvider.computeIfAbsent(r.headers().firstValue("x-gateway-provider").orElse("?"),
                                k -> new AtomicInteger()).incrementAndGet();
                    }
                }
            }));
        }
        String tier1 = "- to: tier:openai.us,openai.eu\n";
        String tier2 = "- to: tier:anthropic,gemini\n";
        String swapped = chain.replace(tier1, "\u0000").replace(tier2, tier1).replace("\u0000", tier2)
                .replace("defaultValue: gpt-4.1", "defaultValue: gpt-4.1, tiered");
        for (String edit : new String[] { swapped, chain, swapped }) {
            String before = chains.endpoint("default");
            writeChain(edit);
            await().atMost(Duration.ofSeconds(4)).until(() -> !before.equals(chains.endpoint("default")));
            int served = sent.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() >= served + 30); // load on this version
        }
        running.set(false);
        for (Thread t : load) {
            t.join();
        }
        System.out.printf("tiered reload under load: %d requests, by provider %s, failures %s%n", sent.get(),
                byProvider, failures);
        assertEquals(List.of(), failures);
        String last = gw.chat(TestGateway.request("after")).headers().firstValue("x-gateway-provider").orElseThrow();
        assertTrue(last.equals("anthropic") || last.equals("gemini"), last);
        assertEquals("default", chains.chainForModel("tiered"), chains.aliases().toString());
        assertEquals("chain=default; model=tiered",
                gw.chat(TestGateway.request("m").replace("gpt-4.1", "tiered")).headers().firstValue("x-gateway-route").orElseThrow());
        writeChain(chain);
        await().atMost(Duration.ofSeconds(4)).until(() -> chains.chainForModel("tiered") == null);
        assertEquals(400, gw.chat(TestGateway.request("m").replace("gpt-4.1", "tiered")).statusCode(), "the model left with the edit");
    }

    /** A health result for {@code deployment}, as another instance's probe would publish it. */
    private static void observe(String deployment, boolean healthy) {
        dev.aigateway.health.ProviderHealth health = gw.context().getRegistry()
                .lookupByNameAndType("providerHealth", dev.aigateway.health.ProviderHealth.class);
        var exchange = new org.apache.camel.support.DefaultExchange(gw.context());
        exchange.getMessage().setHeader(org.apache.camel.component.kafka.KafkaConstants.KEY, deployment.getBytes());
        exchange.getMessage().setBody(("{\"provider\":\"" + deployment + "\",\"healthy\":" + healthy
                + ",\"latency_ms\":1,\"status\":" + (healthy ? 200 : 0) + ",\"error\":null,\"timestamp\":\""
                + java.time.Instant.now() + "\",\"instance\":\"other\",\"fingerprint\":\"" + health.fingerprint(deployment)
                + "\"}").getBytes());
        health.observed(exchange);
    }

    private static Thread startThread(Runnable r) {
        Thread t = new Thread(r, "load");
        t.start();
        return t;
    }

    private static void writeChain(String yaml) throws IOException {
        Path tmp = routes.resolve("chain-default.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, routes.resolve("chain-default.yaml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}

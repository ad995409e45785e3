package dev.aigateway.chain;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

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

/** Operators edit a copy of routes/ while the gateway runs: the chain changes within 2 s, without restart. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotReloadTest {
    @TempDir
    static Path routes;
    static TestGateway gw;
    static String original;

    @BeforeAll
    static void start() throws IOException {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        original = Files.readString(routes.resolve("chain-default.yaml"));
        gw = TestGateway.start(Map.of(
                "camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml",
                "camel.main.routes-reload-enabled", "true",
                "camel.main.routes-reload-directory", routes.toAbsolutePath().toString()));
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
    void reorderedChainIsLiveWithin2sAndInFlightRequestsFinish() throws Exception {
        assertEquals("openai", provider(gw.chat(TestGateway.request("before"))));
        gw.sim("openai").faults(Faults.none(1_500));
        CompletableFuture<HttpResponse<String>> inFlight = gw.client().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(TestGateway.request("in flight"))).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(2)).until(() -> gw.sim("openai").calls() == 2);

        writeChain(swap(original, "openai", "deepseek")); // deepseek → anthropic → openai
        long edited = System.nanoTime();
        await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> "deepseek".equals(provider(gw.chat(TestGateway.request("after")))));
        System.out.printf("chain edit live after %d ms%n", (System.nanoTime() - edited) / 1_000_000);

        HttpResponse<String> finished = inFlight.get();
        assertEquals(200, finished.statusCode(), finished.body());
        assertEquals("openai", provider(finished), "the request in flight during the reload completed on the old chain");
    }

    @Test
    @Order(2)
    void brokenYamlIsRefusedAndTheChainKeepsServing() throws Exception {
        writeChain(swap(original, "openai", "deepseek"));
        await().atMost(Duration.ofSeconds(2)).until(() -> "deepseek".equals(provider(gw.chat(TestGateway.request("x")))));

        writeChain("- routeTemplate:\n    id: chain-default\n    route: [unclosed\n");
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100))
                .until(() -> "deepseek".equals(provider(gw.chat(TestGateway.request("still")))));

        writeChain(original.replace("- to: tier:anthropic", "- tu: tier:anthropic")); // valid YAML, no such EIP
        await().during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100))
                .until(() -> "deepseek".equals(provider(gw.chat(TestGateway.request("still")))));

        writeChain(original); // fixed: back to openai first
        await().atMost(Duration.ofSeconds(2)).until(() -> "openai".equals(provider(gw.chat(TestGateway.request("y")))));
    }

    @Test
    @Order(3)
    void aNewChainFileBecomesAChain() throws Exception {
        // a copy needs its own models (the header says so): gpt-4.1 stays with chain default
        String cheap = original.replace("chain-default", "chain-cheap").replace("defaultValue: gpt-4.1", "defaultValue: cheap");
        cheap = swap(cheap, "openai", "deepseek");
        Files.writeString(routes.resolve("chain-cheap.yaml"), cheap);
        await().atMost(Duration.ofSeconds(2)).until(() ->
                "deepseek".equals(provider(gw.chat(TestGateway.request("cheap"), "x-gateway-chain", "cheap"))));
        assertEquals("deepseek", provider(gw.chat(model("cheap"))), "its model selects it");
        assertEquals("openai", provider(gw.chat(TestGateway.request("default"))));
        assertEquals("openai", provider(gw.chat(model("gpt-4.1"))));
    }

    @Test
    @Order(4)
    void chainNamingAnUnknownProviderIsRefusedWithOneLineAndTheOldVersionKeepsServing() throws Exception {
        LiveChains chains = gw.context().getRegistry().lookupByNameAndType("chains", LiveChains.class);
        String live = chains.endpoint("default");
        List<String> errors = captureErrors("/chain-default.yaml", () -> {
            // deepseek first, and a typo in a tier line: refused, though the rest would answer from deepseek
            writeChain(swap(original, "openai", "deepseek").replace("tier:anthropic", "tier:anthropia"));
            return null;
        });
        assertEquals(live, chains.endpoint("default"), "the previous version keeps serving");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("Chain default from file:" + routes.toAbsolutePath() + "/chain-default.yaml "
                + "was REFUSED"), errors.get(0));
        assertTrue(errors.get(0).endsWith("names 'anthropia' in \"tier:anthropia\", which is neither a configured provider "
                + "nor a deployment; configured: openai, anthropic, deepseek, holysheep, gemini"), errors.get(0));
        writeChain(swap(original, "openai", "deepseek")); // fixed: the edit goes live
        await().atMost(Duration.ofSeconds(2)).until(() -> "deepseek".equals(provider(gw.chat(TestGateway.request("z")))));
        writeChain(original);
        await().atMost(Duration.ofSeconds(2)).until(() -> "openai".equals(provider(gw.chat(TestGateway.request("y")))));
    }

    @Test
    @Order(5)
    void aCopiedChainFileKeepingItsOriginalsModelsIsRefusedWithOneLineNamingBothFiles() throws Exception {
        String copy = swap(original.replace("chain-default", "chain-copy"), "openai", "deepseek");
        List<String> errors = captureErrors("/chain-copy.yaml", () -> writeChain("chain-copy.yaml", copy));
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).endsWith("Chain file file:" + routes.toAbsolutePath() + "/chain-copy.yaml declares model "
                + "'gpt-4.1', which chain default (file:" + routes.toAbsolutePath() + "/chain-default.yaml) already "
                + "declares: give each chain file its own models"), errors.get(0));
        LiveChains chains = gw.context().getRegistry().lookupByNameAndType("chains", LiveChains.class);
        assertEquals(null, chains.endpoint("copy"));
        assertEquals("openai", provider(gw.chat(model("gpt-4.1"))), "gpt-4.1 stays with chain default");
        // the copy with its own model is accepted
        writeChain("chain-copy.yaml", copy.replace("defaultValue: gpt-4.1", "defaultValue: copy-model"));
        await().atMost(Duration.ofSeconds(3)).until(() -> "deepseek".equals(provider(gw.chat(model("copy-model")))));
    }

    /** Runs {@code edit}, then collects for 2.5 s the ERROR lines that name {@code file}; the gateway keeps serving. */
    private static List<String> captureErrors(String file, java.util.concurrent.Callable<?> edit) throws Exception {
        List<String> errors = new CopyOnWriteArrayList<>();
        AbstractAppender capture = new AbstractAppender("capture-errors", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                // about this file only: a late second reload of another file may log its own line
                if (event.getLevel() == Level.ERROR && event.getMessage().getFormattedMessage().contains(file)) {
                    errors.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        capture.start();
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        logs.getConfiguration().getRootLogger().addAppender(capture, Level.ERROR, null);
        logs.updateLoggers();
        try {
            edit.call();
            await().atMost(Duration.ofSeconds(4)).until(() -> !errors.isEmpty());
            await().during(Duration.ofMillis(2_000)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100))
                    .until(() -> "openai".equals(provider(gw.chat(TestGateway.request("still")))));
            return errors;
        } finally {
            logs.getConfiguration().getRootLogger().removeAppender("capture-errors");
            logs.updateLoggers();
        }
    }

    private static String model(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    private static String provider(HttpResponse<String> r) {
        return r.headers().firstValue("x-gateway-provider").orElse("status " + r.statusCode());
    }

    private static String swap(String yaml, String a, String b) {
        return yaml.replace(a, "\u0000").replace(b, a).replace("\u0000", b);
    }

    private static void writeChain(String yaml) throws IOException {
        writeChain("chain-default.yaml", yaml);
    }

    /** Written whole at once (an editor's save): one reload, so one line when refused. */
    private static Object writeChain(String file, String yaml) throws IOException {
        Path tmp = routes.resolve(file + ".tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, routes.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
    }
}

package dev.aigateway.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * The default chain, 3 steps x 2 deployments (routes/chain-default.yaml's tier format), is edited three times while
 * requests flow through it: none is lost, failed or answered twice.
 */
class ReloadChaosTest {
    @TempDir
    static Path routes;
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path chain = routes.resolve("chain-default.yaml");
        Files.writeString(chain, Files.readString(chain).replace("- to: tier:openai\n", "- to: tier:openai.us,openai.eu\n")
                .replace("- to: tier:anthropic\n", "- to: tier:anthropic,gemini\n")
                .replace("- to: tier:deepseek\n", "- to: tier:deepseek,holysheep\n"));
        gw = TestGateway.start(Map.of("camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml",
                "camel.main.routes-reload-enabled", "true",
                "camel.main.routes-reload-directory", routes.toAbsolutePath().toString(),
                "provider.openai.deployments", "us,eu",
                "provider.openai.deployment.us.base-url", "@SIM@/openai-us/v1",
                "provider.openai.deployment.eu.base-url", "@SIM@/openai-eu/v1"));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static long newestChainVersion() {
        return gw.context().getRoutes().stream().map(r -> r.getRouteId())
                .filter(id -> id.matches("chain-default-\\d+"))
                .mapToLong(id -> Long.parseLong(id.substring("chain-default-".length()))).max().orElse(0);
    }

    @Test
    void editingTheChainUnderLoadLosesNoRequest() throws Exception {
        Path chain = routes.resolve("chain-default.yaml");
        String original = Files.readString(chain);
        assertTrue(original.lines().count() <= 40, "3 steps x 2 deployments on one screen:\n" + original);
        String tier1 = "- to: tier:openai.us,openai.eu\n";
        String tier2 = "- to: tier:anthropic,gemini\n";
        assertTrue(original.contains(tier1) && original.contains(tier2), original);
        // anthropic and gemini first: the same file with its first two tier lines swapped
        String swapped = original.replace(tier1, "@@").replace(tier2, tier1).replace("@@", tier2);
        for (String p : new String[] { "openai-us", "openai-eu", "anthropic", "gemini" }) {
            gw.sim(p).faults(Faults.none(30));
        }
        Load.Tally t = Load.run("routes-edit", gw.port, 600, 24, java.util.List.of(gw.upstream), answered -> {
            String[] edits = { swapped, original, swapped };
            for (int e = 0; e < edits.length; e++) {
                Load.awaitAnswered(answered, 100 + 150 * e); // one edit every 150 answers
                long before = newestChainVersion();
                Files.writeString(chain, edits[e]); // not atomic, as an editor may save: Camel may reload twice
                // the edit is live once a newer version of the chain route runs
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> newestChainVersion() > before);
            }
        });
        assertEquals(600, t.answered(), t.toString());
        assertEquals(0, t.lost() + t.failed() + t.duplicated(), t.toString());
        for (String d : new String[] { "openai.us", "openai.eu", "anthropic", "gemini" }) {
            assertTrue(t.providers().getOrDefault(d, 0) > 0, "both orders, every deployment served during the edits: " + t);
        }
        Files.writeString(chain, original);
    }
}

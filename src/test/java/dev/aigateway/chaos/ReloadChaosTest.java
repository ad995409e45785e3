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

/** The default chain is edited three times while requests flow through it: none is lost or answered twice. */
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
        gw = TestGateway.start(Map.of("camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml",
                "camel.main.routes-reload-enabled", "true",
                "camel.main.routes-reload-directory", routes.toAbsolutePath().toString()));
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
        // anthropic first: the same YAML with the two providers' names swapped
        String swapped = original.replace("openai", "@@").replace("anthropic", "openai").replace("@@", "anthropic");
        gw.sim("openai").faults(Faults.none(30));
        gw.sim("anthropic").faults(Faults.none(30));
        Load.Tally t = Load.run("routes-edit", gw.port, 600, 24, java.util.List.of(gw.upstream), answered -> {
            String[] edits = { swapped, original, swapped };
            for (int e = 0; e < edits.length; e++) {
                Load.awaitAnswered(answered, 100 + 150 * e); // one edit every 150 answers
                long before = newestChainVersion();
                Files.writeString(chain, edits[e]);
                // the edit is live once a newer version of the chain route runs
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .until(() -> newestChainVersion() > before);
            }
        });
        assertEquals(600, t.answered(), t.toString());
        assertEquals(0, t.lost() + t.failed() + t.duplicated(), t.toString());
        assertTrue(t.providers().getOrDefault("anthropic", 0) > 0 && t.providers().getOrDefault("openai", 0) > 0,
                "both orders served during the edits: " + t);
        Files.writeString(chain, original);
    }
}

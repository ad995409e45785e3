package dev.aigateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The scripts of src/test/node, where official clients nobody here wrote (the openai and Anthropic SDKs,
 * playwright-core) call a gateway under test; their packages are pinned in package-lock.json.
 */
public final class NodeScripts {
    public static final Path DIR = Path.of("src/test/node");

    /** A script's exit code (-1: killed at its timeout) and everything it printed. */
    public record Result(int exit, String output) {
    }

    private NodeScripts() {
    }

    /** {@code npm ci} when {@code pkg} is not installed yet (a few seconds from the npm registry). */
    public static void install(String pkg) throws Exception {
        if (!Files.isDirectory(DIR.resolve("node_modules").resolve(pkg))) {
            Result r = run(List.of("npm", "ci", "--no-audit", "--no-fund"), 300, Map.of());
            assertEquals(0, r.exit(), "npm ci in src/test/node: " + r.output());
        }
    }

    /** Runs {@code command} in src/test/node with {@code env} added, for at most {@code seconds}. */
    public static Result run(List<String> command, int seconds, Map<String, String> env) throws Exception {
        File out = File.createTempFile("node", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true)
                    .redirectOutput(out);
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new Result(p.isAlive() ? -1 : p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8));
        } finally {
            out.delete();
        }
    }
}

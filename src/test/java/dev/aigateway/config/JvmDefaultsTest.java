package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The JVM's memory defaults (docs/benchmarks.md, Memory and start-up) are set in three places: bin/gateway (the
 * README's run command), the Dockerfile and docker-compose.yml. They must stay one set: a flag changed in one
 * place only would give the image or compose another memory footprint than the measured one.
 */
class JvmDefaultsTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    @Test
    void binGatewayDockerfileAndComposeStartTheJvmWithTheSameFlags() throws IOException {
        String script = Files.readString(ROOT.resolve("bin/gateway"));
        Matcher m = Pattern.compile("opts=\\$\\{GATEWAY_JAVA_OPTS:-([^}]*)}").matcher(script);
        assertTrue(m.find(), "bin/gateway has no opts=${GATEWAY_JAVA_OPTS:-...} default");
        String flags = m.group(1).trim();
        assertTrue(flags.contains("-Xmx"), "the default caps the heap: " + flags);

        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        Matcher d = Pattern.compile("ENV JDK_JAVA_OPTIONS=\"([^\"]*)\"").matcher(dockerfile);
        assertTrue(d.find(), "the Dockerfile sets no ENV JDK_JAVA_OPTIONS");
        assertEquals(flags, d.group(1).trim(), "the Dockerfile's JDK_JAVA_OPTIONS differ from bin/gateway's defaults");

        Map<String, Object> gateway = composeGateway();
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) gateway.get("environment");
        assertEquals(flags, String.valueOf(env.get("JDK_JAVA_OPTIONS")).trim(),
                "docker-compose.yml's JDK_JAVA_OPTIONS differ from bin/gateway's defaults");
    }

    @Test
    void glibcMallocArenasAreCappedTheSameWayInAllThree() throws IOException {
        // glibc gives every thread that mallocs its own 64 MiB arena (up to 8 per core): the JVM's native memory
        Matcher m = Pattern.compile("export MALLOC_ARENA_MAX=\\$\\{MALLOC_ARENA_MAX:-(\\d+)}")
                .matcher(Files.readString(ROOT.resolve("bin/gateway")));
        assertTrue(m.find(), "bin/gateway does not export MALLOC_ARENA_MAX (a default the caller may override)");
        String arenas = m.group(1);
        Matcher d = Pattern.compile("ENV MALLOC_ARENA_MAX=(\\d+)").matcher(Files.readString(ROOT.resolve("Dockerfile")));
        assertTrue(d.find(), "the Dockerfile sets no ENV MALLOC_ARENA_MAX");
        assertEquals(arenas, d.group(1), "the Dockerfile's MALLOC_ARENA_MAX differs from bin/gateway's");
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) composeGateway().get("environment");
        assertNotNull(env.get("MALLOC_ARENA_MAX"), "docker-compose.yml's gateway sets no MALLOC_ARENA_MAX");
        assertEquals(arenas, String.valueOf(env.get("MALLOC_ARENA_MAX")), "docker-compose.yml's MALLOC_ARENA_MAX differs");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> composeGateway() throws IOException {
        Map<String, Object> compose = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(ROOT.resolve("docker-compose.yml")));
        return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("gateway");
    }
}

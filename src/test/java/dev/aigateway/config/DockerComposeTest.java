package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Docker is not installed on the dev machines, so docker-compose.yml and the Dockerfile cannot be run
 * here: this checks that they parse and agree with config/application.properties (port, mounts,
 * environment names). Runs from the repo root (surefire's working directory).
 */
class DockerComposeTest {
    static final Path COMPOSE = Path.of("docker-compose.yml");
    static final Path DOCKERFILE = Path.of("Dockerfile");
    static final Path PROPERTIES = Path.of("config/application.properties");

    static Properties settings;
    static Map<String, Object> gateway;

    @BeforeAll
    static void load() throws IOException {
        assertTrue(Files.isRegularFile(PROPERTIES), PROPERTIES.toAbsolutePath() + " not found: tests must run from the repo root");
        settings = new Properties();
        try (Reader r = Files.newBufferedReader(PROPERTIES, StandardCharsets.UTF_8)) {
            settings.load(r);
        }
        assertTrue(Files.isRegularFile(COMPOSE), "docker-compose.yml is missing at the repo root");
        Object root = new Load(LoadSettings.builder().build()).loadFromString(Files.readString(COMPOSE));
        Map<String, Object> services = map(map(root, "docker-compose.yml").get("services"), "services");
        assertTrue(services.containsKey("gateway"), "docker-compose.yml has no service 'gateway'; services: " + services.keySet());
        gateway = map(services.get("gateway"), "services.gateway");
    }

    @Test
    void containerPortIsTheConfiguredHttpPort() {
        int configured = httpPort();
        Object ports = gateway.get("ports");
        assertInstanceOf(List.class, ports, "services.gateway.ports must be a list, got " + ports);
        List<Integer> containerPorts = new ArrayList<>();
        for (Object p : (List<?>) ports) {
            containerPorts.add(containerPort(p));
        }
        assertTrue(containerPorts.contains(configured), "services.gateway.ports publishes container port(s) "
                + containerPorts + " but gateway.http.port in " + PROPERTIES + " is " + configured);

        // the compose file may override the port by environment: then it must be the published one too
        Object overridden = environment().get("GATEWAY_HTTP_PORT");
        if (overridden != null) {
            assertTrue(containerPorts.contains(Integer.parseInt(overridden.toString().trim())),
                    "environment GATEWAY_HTTP_PORT=" + overridden + " but the published container port(s) are " + containerPorts);
        }
    }

    @Test
    void routesAndConfigAreMountedFromTheHost() {
        Object volumes = gateway.get("volumes");
        assertInstanceOf(List.class, volumes, "services.gateway.volumes must be a list, got " + volumes);
        Map<String, String> mounts = new LinkedHashMap<>(); // container path -> host path
        for (Object v : (List<?>) volumes) {
            if (v instanceof String s) {
                String[] parts = s.split(":");
                assertTrue(parts.length >= 2, "volume '" + s + "' is not host:container[:mode]");
                mounts.put(trimSlash(parts[1]), trimSlash(parts[0]));
            } else if (v instanceof Map<?, ?> m) {
                mounts.put(trimSlash(String.valueOf(m.get("target"))), trimSlash(String.valueOf(m.get("source"))));
            } else {
                fail("unreadable volume entry: " + v);
            }
        }
        assertEquals("./routes", mounts.get("/app/routes"),
                "routes/ must be mounted at /app/routes so a host edit reloads the chain; mounts (container -> host): " + mounts);
        assertEquals("./config", mounts.get("/app/config"),
                "config/ must be mounted at /app/config; mounts (container -> host): " + mounts);
    }

    @Test
    void everyEnvironmentNameIsASettingOrAnApiKeyVariable() {
        Set<String> settingNames = new TreeSet<>();
        for (String key : settings.stringPropertyNames()) {
            settingNames.add(envName(key));
        }
        Set<String> keyVariables = apiKeyVariables();
        List<String> unknown = new ArrayList<>();
        for (String name : environment().keySet()) {
            if (!settingNames.contains(name) && !keyVariables.contains(name)) {
                unknown.add(name);
            }
        }
        assertTrue(unknown.isEmpty(), "services.gateway.environment has " + unknown + ", which name no key in " + PROPERTIES
                + " (upper snake case) and no provider.*.api-key-env variable " + keyVariables);
    }

    @Test
    void everyApiKeyVariableIsPassedThrough() {
        Set<String> keyVariables = apiKeyVariables();
        assertFalse(keyVariables.isEmpty(), "no provider.*.api-key-env in " + PROPERTIES);
        Set<String> missing = new TreeSet<>(keyVariables);
        missing.removeAll(environment().keySet());
        assertTrue(missing.isEmpty(), "services.gateway.environment does not pass through the API key variable(s) " + missing
                + " named by provider.*.api-key-env in " + PROPERTIES);
    }

    @Test
    void dockerfileExposesTheConfiguredHttpPort() throws IOException {
        assertTrue(Files.isRegularFile(DOCKERFILE), "Dockerfile is missing at the repo root");
        Set<Integer> exposed = new TreeSet<>();
        Matcher m = Pattern.compile("(?im)^\\s*EXPOSE\\s+(.+)$").matcher(Files.readString(DOCKERFILE));
        while (m.find()) {
            for (String port : m.group(1).trim().split("\\s+")) {
                exposed.add(Integer.parseInt(port.replaceAll("/.*", "")));
            }
        }
        assertTrue(exposed.contains(httpPort()), "Dockerfile EXPOSEs " + exposed + " but gateway.http.port in "
                + PROPERTIES + " is " + httpPort());
        assertTrue(exposed.contains(containerPort(((List<?>) gateway.get("ports")).get(0))),
                "Dockerfile EXPOSEs " + exposed + " but docker-compose.yml publishes container port "
                        + containerPort(((List<?>) gateway.get("ports")).get(0)));
    }

    /** provider.openai.base-url -> PROVIDER_OPENAI_BASE_URL, as the gateway reads overrides. */
    static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    static int httpPort() {
        String port = settings.getProperty("gateway.http.port");
        assertNotNull(port, "gateway.http.port is not set in " + PROPERTIES);
        return Integer.parseInt(port.trim());
    }

    static Set<String> apiKeyVariables() {
        Set<String> names = new TreeSet<>();
        for (String key : settings.stringPropertyNames()) {
            if (key.startsWith("provider.") && key.endsWith(".api-key-env") && !settings.getProperty(key).isBlank()) {
                names.add(settings.getProperty(key).trim());
            }
        }
        return names;
    }

    /** services.gateway.environment as a map, whether written as a map or as a list of NAME=value. */
    static Map<String, Object> environment() {
        Object env = gateway.get("environment");
        Map<String, Object> result = new LinkedHashMap<>();
        if (env instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(String.valueOf(k), v));
        } else if (env instanceof List<?> l) {
            for (Object entry : l) {
                String s = String.valueOf(entry);
                int eq = s.indexOf('=');
                result.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        } else {
            fail("services.gateway.environment must be a map or a list, got " + env);
        }
        return result;
    }

    /** "8080:8080", "127.0.0.1:8080:8080/tcp", 8080 or {target: 8080} -> the container port. */
    static int containerPort(Object entry) {
        if (entry instanceof Map<?, ?> m) {
            return Integer.parseInt(String.valueOf(m.get("target")).trim());
        }
        String s = String.valueOf(entry).replaceAll("/.*$", "").trim();
        String container = s.substring(s.lastIndexOf(':') + 1);
        try {
            return Integer.parseInt(container);
        } catch (NumberFormatException e) {
            throw new AssertionError("port entry '" + entry + "' has no numeric container port", e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, String what) {
        assertInstanceOf(Map.class, node, what + " must be a YAML mapping, got " + node);
        return (Map<String, Object>) node;
    }

    static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}

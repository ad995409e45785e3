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
 * environment names), and that the kafka service's listeners are consistent with what the gateway and
 * the host connect to. Runs from the repo root (surefire's working directory).
 */
class DockerComposeTest {
    static final Path COMPOSE = Path.of("docker-compose.yml");
    static final Path DOCKERFILE = Path.of("Dockerfile");
    static final Path PROPERTIES = Path.of("config/application.properties");

    static final String KAFKA = "kafka";

    static Properties settings;
    static Map<String, Object> services;
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
        services = map(map(root, "docker-compose.yml").get("services"), "services");
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
        Set<String> keyVariables = new TreeSet<>(apiKeyVariables());
        keyVariables.add(settings.getProperty("gateway.auth.admin-key-env").trim()); // the key admin API's secret
        keyVariables.add("JDK_JAVA_OPTIONS"); // the JVM's flags, read by the java launcher
        keyVariables.add("MALLOC_ARENA_MAX"); // glibc's malloc arenas (JvmDefaultsTest)
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

    @Test
    void kafkaBrokersIsASettingTheGatewayReadsFromKafkaBrokers() {
        assertTrue(settings.containsKey("kafka.brokers"), "kafka.brokers is not in " + PROPERTIES
                + ": the gateway's KAFKA_BROKERS would not be read");
        assertEquals("KAFKA_BROKERS", envName("kafka.brokers"));
        assertTrue(environment().containsKey("KAFKA_BROKERS"), "services.gateway.environment does not set KAFKA_BROKERS:"
                + " the gateway would start its embedded broker on its own loopback instead of using the kafka service");
    }

    @Test
    void kafkaIsASingleNodeKraftBroker() {
        Map<String, Object> kafka = kafkaService();
        String image = String.valueOf(kafka.get("image"));
        assertTrue(image.matches("apache/kafka:\\d+\\.\\d+\\.\\d+"),
                "services.kafka.image must be the official apache/kafka image at a pinned version (e.g. apache/kafka:3.9.1); got " + image);
        Map<String, Object> env = environmentOf(kafka, "services.kafka");
        Set<String> roles = new TreeSet<>(List.of(required(env, "KAFKA_PROCESS_ROLES").split("\\s*,\\s*")));
        assertEquals(Set.of("broker", "controller"), roles, "KAFKA_PROCESS_ROLES: one process is broker and controller");
        String nodeId = required(env, "KAFKA_NODE_ID");
        required(env, "CLUSTER_ID");

        Map<String, Listener> bound = listeners(required(env, "KAFKA_LISTENERS"), "KAFKA_LISTENERS");
        Map<String, Listener> advertised = listeners(required(env, "KAFKA_ADVERTISED_LISTENERS"), "KAFKA_ADVERTISED_LISTENERS");
        Set<String> protocols = new TreeSet<>();
        for (String entry : required(env, "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split("\\s*,\\s*")) {
            protocols.add(entry.substring(0, entry.indexOf(':')));
        }
        assertTrue(protocols.containsAll(bound.keySet()), "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP " + protocols
                + " does not name every listener of KAFKA_LISTENERS " + bound.keySet());
        assertTrue(bound.keySet().containsAll(advertised.keySet()), "KAFKA_ADVERTISED_LISTENERS " + advertised.keySet()
                + " names listeners that KAFKA_LISTENERS " + bound.keySet() + " does not open");

        String controller = required(env, "KAFKA_CONTROLLER_LISTENER_NAMES");
        assertTrue(bound.containsKey(controller), "controller listener " + controller + " is not in KAFKA_LISTENERS " + bound.keySet());
        assertFalse(advertised.containsKey(controller), "the controller listener must not be advertised to clients");
        String interBroker = required(env, "KAFKA_INTER_BROKER_LISTENER_NAME");
        assertTrue(advertised.containsKey(interBroker), "inter-broker listener " + interBroker + " is not advertised");

        String voters = required(env, "KAFKA_CONTROLLER_QUORUM_VOTERS");
        Matcher voter = Pattern.compile("(\\d+)@([^:,]+):(\\d+)").matcher(voters);
        assertTrue(voter.matches(), "KAFKA_CONTROLLER_QUORUM_VOTERS must be the single voter <node id>@<host>:<port>, got " + voters);
        assertEquals(nodeId, voter.group(1), "the quorum's only voter must be this node (KAFKA_NODE_ID)");
        assertEquals(bound.get(controller).port(), Integer.parseInt(voter.group(3)),
                "the quorum voter's port must be the " + controller + " listener's port");
        assertTrue(Set.of(KAFKA, "localhost", "127.0.0.1").contains(voter.group(2)),
                "the quorum voter's host must reach this container: " + voter.group(2));

        // one broker: a replication factor above 1 would leave Kafka's own topics (offsets!) uncreatable
        for (String rf : List.of("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR")) {
            assertEquals("1", required(env, rf), rf + " must be 1 on a single broker");
        }
        for (String optional : List.of("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS")) {
            if (env.get(optional) != null) {
                assertEquals("1", String.valueOf(env.get(optional)).trim(), optional + " must be 1 on a single broker");
            }
        }
    }

    @Test
    void gatewayUsesTheKafkaServicesAdvertisedListener() {
        Map<String, Object> env = environmentOf(kafkaService(), "services.kafka");
        Map<String, Listener> bound = listeners(required(env, "KAFKA_LISTENERS"), "KAFKA_LISTENERS");
        Map<String, Listener> advertised = listeners(required(env, "KAFKA_ADVERTISED_LISTENERS"), "KAFKA_ADVERTISED_LISTENERS");
        Object brokers = environment().get("KAFKA_BROKERS");
        assertNotNull(brokers, "services.gateway.environment.KAFKA_BROKERS is not set");
        for (String broker : brokers.toString().trim().split("\\s*,\\s*")) {
            Listener match = advertised.values().stream().filter(l -> (l.host() + ":" + l.port()).equals(broker))
                    .findFirst().orElse(null);
            assertNotNull(match, "KAFKA_BROKERS=" + brokers + ": " + broker + " is not an advertised listener of the kafka"
                    + " service " + advertised.values());
            assertEquals(KAFKA, match.host(), "the gateway must reach kafka by its service name on the compose network, not "
                    + match.host());
            assertEquals(match.port(), bound.get(match.name()).port(), "listener " + match.name() + " is advertised on port "
                    + match.port() + " but listens on " + bound.get(match.name()).port() + " inside the container");
        }
    }

    @Test
    void kafkaPortsPublishedOnTheHostAreAdvertisedAsTheHost() {
        Map<String, Object> kafka = kafkaService();
        Map<String, Object> env = environmentOf(kafka, "services.kafka");
        Map<String, Listener> bound = listeners(required(env, "KAFKA_LISTENERS"), "KAFKA_LISTENERS");
        Map<String, Listener> advertised = listeners(required(env, "KAFKA_ADVERTISED_LISTENERS"), "KAFKA_ADVERTISED_LISTENERS");
        Object ports = kafka.get("ports");
        if (ports == null) {
            return; // reachable from the compose network only: docker compose exec kafka ...
        }
        assertInstanceOf(List.class, ports, "services.kafka.ports must be a list, got " + ports);
        for (Object p : (List<?>) ports) {
            int container = containerPort(p);
            Integer host = hostPort(p);
            Listener listener = bound.values().stream().filter(l -> l.port() == container).findFirst().orElse(null);
            assertNotNull(listener, "services.kafka publishes container port " + container + ", which no listener of "
                    + "KAFKA_LISTENERS " + bound.values() + " opens");
            Listener adv = advertised.get(listener.name());
            assertNotNull(adv, "listener " + listener.name() + " is published but not advertised");
            // a client on the host is sent the advertised address after its first connection: it must be the host's
            assertTrue(Set.of("localhost", "127.0.0.1").contains(adv.host()), "listener " + listener.name()
                    + " is published on the host but advertised as " + adv.host() + ":" + adv.port()
                    + ", which a client on the host cannot reach");
            assertEquals(adv.port(), host, "listener " + listener.name() + " is advertised on port " + adv.port()
                    + " but published on host port " + host + " (" + p + ")");
        }
    }

    @Test
    void gatewayStartsOnceKafkaIsHealthy() {
        Map<String, Object> kafka = kafkaService();
        Object health = kafka.get("healthcheck");
        assertNotNull(health, "services.kafka has no healthcheck: depends_on service_healthy would never be met");
        Object test = map(health, "services.kafka.healthcheck").get("test");
        assertNotNull(test, "services.kafka.healthcheck has no test");
        assertTrue(String.valueOf(test).contains("9092") || String.valueOf(test).contains("bootstrap"),
                "services.kafka.healthcheck should ask the broker itself, got " + test);

        Object dependsOn = gateway.get("depends_on");
        assertInstanceOf(Map.class, dependsOn, "services.gateway.depends_on must be the long form"
                + " {kafka: {condition: service_healthy}}, got " + dependsOn);
        Object onKafka = ((Map<?, ?>) dependsOn).get(KAFKA);
        assertNotNull(onKafka, "services.gateway.depends_on does not name kafka: " + dependsOn);
        assertEquals("service_healthy", String.valueOf(map(onKafka, "services.gateway.depends_on.kafka").get("condition")),
                "the gateway creates its topics at start: it must wait until kafka is healthy, not merely started");
    }

    /** provider.openai.base-url -> PROVIDER_OPENAI_BASE_URL, as the gateway reads overrides. */
    @Test
    void theContainerListensBeyondLoopbackRunsAsNonRootAndHoldsNoKeys() throws IOException {
        // outside a container the API and metrics bind 127.0.0.1 (auth off): inside one, loopback is unreachable
        assertEquals("127.0.0.1", settings.getProperty("camel.management.host").trim());
        for (String name : List.of("GATEWAY_HTTP_HOST", "CAMEL_MANAGEMENT_HOST")) {
            assertEquals("0.0.0.0", String.valueOf(environment().get(name)).trim(), "services.gateway.environment." + name);
        }
        String dockerfile = Files.readString(DOCKERFILE);
        assertTrue(Pattern.compile("(?m)^ENV .*GATEWAY_HTTP_HOST=0\\.0\\.0\\.0").matcher(dockerfile).find(),
                "the Dockerfile sets GATEWAY_HTTP_HOST=0.0.0.0");
        assertTrue(Pattern.compile("(?m)^ENV .*CAMEL_MANAGEMENT_HOST=0\\.0\\.0\\.0").matcher(dockerfile).find(),
                "the Dockerfile sets CAMEL_MANAGEMENT_HOST=0.0.0.0");
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(dockerfile);
        String last = null;
        while (user.find()) {
            last = user.group(1);
        }
        assertNotNull(last, "the Dockerfile's runtime stage sets a USER");
        assertFalse(last.equals("root") || last.startsWith("0:") || last.equals("0"), "the image runs as " + last);
        List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::trim).toList();
        assertTrue(ignored.contains("config/gateway-keys.json"), ".dockerignore keeps the gateway keys out: " + ignored);
        assertTrue(ignored.contains("data/"), ".dockerignore keeps the embedded broker's data out: " + ignored);
    }

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
        return environmentOf(gateway, "services.gateway");
    }

    static Map<String, Object> environmentOf(Map<String, Object> service, String what) {
        Object env = service.get("environment");
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
            fail(what + ".environment must be a map or a list, got " + env);
        }
        return result;
    }

    static Map<String, Object> kafkaService() {
        assertTrue(services.containsKey(KAFKA), "docker-compose.yml has no service '" + KAFKA + "'; services: " + services.keySet());
        return map(services.get(KAFKA), "services." + KAFKA);
    }

    static String required(Map<String, Object> env, String name) {
        Object v = env.get(name);
        assertTrue(v != null && !v.toString().isBlank(), "services.kafka.environment." + name + " is not set");
        return v.toString().trim();
    }

    /** One entry of KAFKA_LISTENERS / KAFKA_ADVERTISED_LISTENERS: NAME://host:port (host may be empty). */
    record Listener(String name, String host, int port) {
    }

    static Map<String, Listener> listeners(String value, String what) {
        Map<String, Listener> result = new LinkedHashMap<>();
        for (String entry : value.split("\\s*,\\s*")) {
            Matcher m = Pattern.compile("([A-Za-z0-9_]+)://([^:/]*):(\\d+)").matcher(entry);
            assertTrue(m.matches(), what + ": '" + entry + "' is not NAME://host:port");
            assertFalse(result.containsKey(m.group(1)), what + " names listener " + m.group(1) + " twice");
            result.put(m.group(1), new Listener(m.group(1), m.group(2), Integer.parseInt(m.group(3))));
        }
        return result;
    }

    /** "127.0.0.1:29092:29092", "29092:29092" or {published: 29092} -> the host port; null when Docker picks one. */
    static Integer hostPort(Object entry) {
        if (entry instanceof Map<?, ?> m) {
            return m.get("published") == null ? null : Integer.parseInt(String.valueOf(m.get("published")).trim());
        }
        String[] parts = String.valueOf(entry).replaceAll("/.*$", "").trim().split(":");
        return parts.length < 2 || parts[parts.length - 2].isBlank() ? null : Integer.parseInt(parts[parts.length - 2]);
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

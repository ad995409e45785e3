package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.json;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.test.AvailablePortFinder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.GatewayApplication;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * Kafka security (real embedded broker with a SASL_PLAINTEXT listener, PLAIN mechanism; the gateway in a JVM of its own
 * started as an operator starts it): with the right login every Kafka client of the gateway gets in (topic creation,
 * request consumer, reply producer, health topic) and a request is answered end to end; with a wrong password start-up
 * stops with one line. Neither log holds a password.
 */
class KafkaSecurityTest {
    private static final String GATEWAY_PASSWORD = "gw-pass-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "wrong-pass-" + UUID.randomUUID();
    private static final String TESTER_PASSWORD = "tester-pass-" + UUID.randomUUID();
    private static KafkaTestSupport kafka;
    private static ProviderSimulator upstream;

    @BeforeAll
    static void secureBroker() throws Exception {
        kafka = new KafkaTestSupport(Map.of("gateway", GATEWAY_PASSWORD, "tester", TESTER_PASSWORD),
                Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas("tester", TESTER_PASSWORD)));
        upstream = new ProviderSimulator("127.0.0.1").start(0);
        for (String[] p : new String[][] { { "openai", "openai" }, { "anthropic", "anthropic" }, { "deepseek", "openai" },
                { "holysheep", "openai" }, { "gemini", "openai" } }) {
            upstream.provider(p[0], p[1], 0, 0);
        }
    }

    @AfterAll
    static void stop() {
        upstream.close();
        kafka.close();
    }

    @Test
    void theRightLoginServesARequestEndToEndAndNoSecretIsLogged() throws Exception {
        Path log = Files.createTempFile("gateway-sasl", ".log");
        ProcessBuilder pb = gateway(log);
        // inline, in the environment: the form a secret manager injects, and the one most at risk of being logged
        pb.environment().put("KAFKA_SASL_JAAS_CONFIG", jaas("gateway", GATEWAY_PASSWORD));
        // gateway keys on: the key-usage topic's own producer and reader log in with the same settings
        Path keysDir = Files.createTempDirectory("sasl-keys");
        String apiKey = new dev.aigateway.auth.KeyFile(keysDir.resolve("keys.json"))
                .create("team-sasl", List.of(), List.of(), 0, 0).secret();
        pb.environment().put("GATEWAY_AUTH_ENABLED", "true");
        pb.environment().put("GATEWAY_AUTH_KEYS_FILE", keysDir.resolve("keys.json").toString());
        pb.environment().put("GATEWAY_INSTANCE_ID", "gw-sasl");
        Process gateway = pb.start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!gateway.isAlive()) {
                    throw new AssertionError("gateway exited: " + Files.readString(log));
                }
                return Files.readString(log).contains("Subscribing to topic(s) ai.requests");
            });
            // the broker creates no topic by itself: these exist because the gateway's admin client logged in
            assertTrue(kafka.topics().containsAll(List.of("ai.requests", "ai.responses", "ai.requests.dlq", "ai.provider-health")));
            String id = "sasl-" + UUID.randomUUID();
            kafka.send("ai.requests", "k", "{\"prompt\":\"over sasl\",\"request_id\":\"" + id + "\"}", "api-key", apiKey);
            List<ConsumerRecord<byte[], byte[]>> replies = kafka.readUntil("ai.responses", Duration.ofSeconds(60),
                    all -> all.stream().anyMatch(r -> id.equals(header(r, "correlation-id"))));
            JsonNode reply = json(replies.stream().filter(r -> id.equals(header(r, "correlation-id"))).findFirst()
                    .orElseThrow(() -> new AssertionError("no reply; gateway log: " + read(log))));
            assertTrue(reply.path("success").asBoolean(), reply.toString());
            assertTrue(reply.path("content").asText().contains("over sasl"), reply.toString());
            assertEquals(1, upstream.provider("openai").calls());
            // the health route's producer logged in too: its probe results are on the health topic
            assertFalse(kafka.readUntil("ai.provider-health", Duration.ofSeconds(30), all -> !all.isEmpty()).isEmpty(),
                    "health records published");
            // and the key-usage publisher: the key's usage is on its topic, under this instance
            assertTrue(kafka.readUntil("ai.key-usage", Duration.ofSeconds(30), all -> !all.isEmpty()).stream()
                    .anyMatch(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8).endsWith("|gw-sasl")),
                    "usage published over SASL");
        } finally {
            gateway.destroy();
            gateway.waitFor(60, TimeUnit.SECONDS);
        }
        String text = read(log);
        assertTrue(text.contains("security SASL_PLAINTEXT (PLAIN)"), text);
        assertFalse(text.contains(GATEWAY_PASSWORD), "the password is never logged");
    }

    @Test
    void aWrongPasswordStopsStartUpWithOneLine() throws Exception {
        Path log = Files.createTempFile("gateway-sasl-wrong", ".log");
        // from a file: the secret stays off the command line and out of the environment
        Path jaasFile = Files.createTempFile("kafka-jaas", ".conf");
        Files.writeString(jaasFile, jaas("gateway", WRONG_PASSWORD));
        ProcessBuilder pb = gateway(log);
        pb.environment().put("KAFKA_SASL_JAAS_CONFIG_FILE", jaasFile.toString());
        long t0 = System.nanoTime();
        Process gateway = pb.start();
        try {
            assertTrue(gateway.waitFor(60, TimeUnit.SECONDS), "start-up stopped within a minute: " + read(log));
        } finally {
            gateway.destroyForcibly();
        }
        String text = read(log);
        assertEquals(1, gateway.exitValue(), text);
        List<String> errors = text.lines().filter(l -> l.contains(" ERROR ")).toList();
        List<String> stopped = errors.stream().filter(l -> l.contains("The gateway could not start")).toList();
        assertEquals(1, stopped.size(), text);
        assertTrue(stopped.get(0).contains("refused the gateway's login") && stopped.get(0).contains("kafka.sasl-jaas-config"),
                stopped.get(0));
        assertFalse(text.lines().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by")), "no stack trace: " + text);
        assertFalse(text.contains(WRONG_PASSWORD), "the password is never logged");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(60));
    }

    private static ProcessBuilder gateway(Path log) {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), GatewayApplication.class.getName())
                .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_BROKERS", kafka.brokers());
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", "PLAIN");
        env.put("GATEWAY_HTTP_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        env.put("GATEWAY_SIMULATOR_MODE", "off");
        env.put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
        env.put("GATEWAY_KAFKA_BATCH_INTERVAL_MS", "20");
        // every provider on the loopback simulator: no probe leaves the machine
        for (String p : new String[] { "openai", "anthropic", "deepseek", "holysheep", "gemini" }) {
            env.put("PROVIDER_" + p.toUpperCase() + "_BASE_URL", upstream.baseUrl(p));
        }
        return pb;
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

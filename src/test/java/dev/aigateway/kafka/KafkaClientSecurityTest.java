package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aigateway.config.SettingException;
import dev.aigateway.config.Settings;

/** The Kafka security settings: what each client gets, and the mistakes that stop start-up with one line. */
class KafkaClientSecurityTest {
    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p4ss-secret\";";

    private static KafkaClientSecurity read(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("kafka.security-protocol", "PLAINTEXT", "kafka.sasl-mechanism", "PLAIN"));
        all.putAll(values);
        return KafkaClientSecurity.read(new Settings(all::get));
    }

    @Test
    void plaintextAddsNothing() {
        KafkaClientSecurity s = read(Map.of());
        assertTrue(s.isPlaintext());
        assertEquals(Map.of("bootstrap.servers", "b:9092"), s.with(Map.of("bootstrap.servers", "b:9092")));
    }

    @Test
    void saslGivesEveryClientProtocolMechanismAndLoginWithoutShowingIt() throws Exception {
        Path file = Files.createTempFile("jaas", ".conf");
        Files.writeString(file, JAAS + "\n");
        KafkaClientSecurity s = read(Map.of("kafka.security-protocol", "SASL_PLAINTEXT", "kafka.sasl-jaas-config-file", file.toString()));
        Map<String, Object> config = s.with(Map.of("bootstrap.servers", "b:9092"));
        assertEquals("SASL_PLAINTEXT", config.get("security.protocol"));
        assertEquals("PLAIN", config.get("sasl.mechanism"));
        assertEquals(JAAS, config.get("sasl.jaas.config"), "read from the file, trimmed");
        assertEquals("SASL_PLAINTEXT (PLAIN)", s.toString());
        assertEquals("login ****: refused", s.redact("login " + JAAS + ": refused"));
    }

    @Test
    void tlsStoresReachTheClients() throws Exception {
        Path store = Files.createTempFile("truststore", ".p12");
        KafkaClientSecurity s = read(Map.of("kafka.security-protocol", "SSL", "kafka.ssl-truststore-location", store.toString(),
                "kafka.ssl-truststore-password", "storepw-secret", "kafka.ssl-truststore-type", "PKCS12"));
        Map<String, Object> config = s.with(Map.of());
        assertEquals("SSL", config.get("security.protocol"));
        assertEquals(store.toString(), config.get("ssl.truststore.location"));
        assertEquals("PKCS12", config.get("ssl.truststore.type"));
        assertFalse(s.toString().contains("storepw-secret"));
        assertEquals("pw ****", s.redact("pw storepw-secret"));
    }

    @Test
    void mistakesStopStartUpNamingTheKeyNotTheSecret() {
        String noLogin = assertThrows(SettingException.class, () -> read(Map.of("kafka.security-protocol", "SASL_SSL"))).getMessage();
        assertTrue(noLogin.contains("kafka.sasl-jaas-config-file"), noLogin);
        String both = assertThrows(SettingException.class, () -> read(Map.of("kafka.security-protocol", "SASL_SSL",
                "kafka.sasl-jaas-config", JAAS, "kafka.sasl-jaas-config-file", "/x"))).getMessage();
        assertTrue(both.contains("not both") && !both.contains("p4ss-secret"), both);
        String unused = assertThrows(SettingException.class, () -> read(Map.of("kafka.sasl-jaas-config", JAAS))).getMessage();
        assertTrue(unused.contains("does not use SASL") && !unused.contains("p4ss-secret"), unused);
        String missingFile = assertThrows(SettingException.class, () -> read(Map.of("kafka.security-protocol", "SASL_SSL",
                "kafka.sasl-jaas-config-file", "/nonexistent/jaas.conf"))).getMessage();
        assertTrue(missingFile.contains("cannot read the file"), missingFile);
        String protocol = assertThrows(SettingException.class, () -> read(Map.of("kafka.security-protocol", "TLS"))).getMessage();
        assertTrue(protocol.contains("PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL"), protocol);
        String store = assertThrows(SettingException.class, () -> read(Map.of("kafka.security-protocol", "SSL",
                "kafka.ssl-truststore-location", "/nonexistent/ts.jks"))).getMessage();
        assertTrue(store.contains("kafka.ssl-truststore-location"), store);
    }
}

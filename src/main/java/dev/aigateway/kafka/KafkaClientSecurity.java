package dev.aigateway.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import dev.aigateway.config.SettingException;
import dev.aigateway.config.Settings;

/**
 * How every Kafka client of the gateway connects to a secured cluster (SASL and/or TLS): the kafka.security-protocol,
 * kafka.sasl-* and kafka.ssl-* settings, read and checked once. The camel-kafka component gets them (so every
 * {@code kafka:} endpoint: ingress, replies, dead letters, health topic), and a plain Kafka client (an AdminClient,
 * a KafkaConsumer of its own) adds them with {@link #apply(Map)} or {@link #apply(Properties)}; find the instance
 * with {@link #of(CamelContext)}.
 * <p>
 * The secrets (JAAS config, store and key passwords) are never logged: {@link #toString()} names the protocol and
 * mechanism only, and {@link #redact} blanks them out of an error text before it is shown.
 */
public final class KafkaClientSecurity {
    /** Registry name of the instance. */
    public static final String BEAN = "kafkaClientSecurity";
    static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final KafkaClientSecurity PLAINTEXT = new KafkaClientSecurity("PLAINTEXT", null, Map.of(), List.of());

    private final String protocol;
    private final String mechanism;
    /** Kafka client config names (security.protocol, sasl.*, ssl.*) to values; empty for PLAINTEXT. */
    private final Map<String, String> configs;
    private final List<String> secrets;

    private KafkaClientSecurity(String protocol, String mechanism, Map<String, String> configs, List<String> secrets) {
        this.protocol = protocol;
        this.mechanism = mechanism;
        this.configs = Map.copyOf(configs);
        this.secrets = List.copyOf(secrets);
    }

    /** The security of this gateway's Kafka clients (PLAINTEXT when none was bound: Kafka disabled, unit tests). */
    public static KafkaClientSecurity of(CamelContext context) {
        KafkaClientSecurity bound = context.getRegistry().lookupByNameAndType(BEAN, KafkaClientSecurity.class);
        return bound == null ? PLAINTEXT : bound;
    }

    /** No security: Kafka's defaults (the embedded broker, tests). */
    public static KafkaClientSecurity plaintext() {
        return PLAINTEXT;
    }

    /** Reads and checks the settings; a mistake stops start-up with one line naming the key (never its secret value). */
    public static KafkaClientSecurity read(Settings settings) {
        String protocol = settings.oneOf("kafka.security-protocol", PROTOCOLS.toArray(String[]::new));
        Map<String, String> configs = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>();
        String mechanism = null;
        boolean sasl = protocol.startsWith("SASL_");
        boolean tls = protocol.endsWith("SSL");
        String jaas = settings.optional("kafka.sasl-jaas-config");
        String jaasFile = settings.optional("kafka.sasl-jaas-config-file");
        if (!protocol.equals("PLAINTEXT")) {
            configs.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        }
        if (sasl) {
            mechanism = settings.required("kafka.sasl-mechanism");
            if (jaas != null && jaasFile != null) {
                throw new SettingException("Set kafka.sasl-jaas-config (env KAFKA_SASL_JAAS_CONFIG) or kafka.sasl-jaas-config-file"
                        + " (env KAFKA_SASL_JAAS_CONFIG_FILE), not both");
            }
            if (jaasFile != null) {
                jaas = readSecretFile("kafka.sasl-jaas-config-file", jaasFile);
            }
            if (jaas == null) {
                throw new SettingException("kafka.security-protocol=" + protocol + " needs the client's login: set "
                        + "kafka.sasl-jaas-config-file (env KAFKA_SASL_JAAS_CONFIG_FILE, a file holding the JAAS config) or "
                        + "kafka.sasl-jaas-config (env KAFKA_SASL_JAAS_CONFIG)");
            }
            configs.put(SaslConfigs.SASL_MECHANISM, mechanism);
            configs.put(SaslConfigs.SASL_JAAS_CONFIG, jaas);
            secrets.add(jaas);
        } else if (jaas != null || jaasFile != null) {
            throw new SettingException("kafka.sasl-jaas-config" + (jaas != null ? "" : "-file") + " is set, but kafka.security-protocol="
                    + protocol + " does not use SASL (use SASL_PLAINTEXT or SASL_SSL)");
        }
        // trust store (the cluster's CA) and key store (client certificate, mutual TLS); Kafka's defaults when unset
        for (String store : List.of("truststore", "keystore")) {
            String location = settings.optional("kafka.ssl-" + store + "-location");
            String password = settings.optional("kafka.ssl-" + store + "-password");
            String type = settings.optional("kafka.ssl-" + store + "-type");
            if (!tls && (location != null || password != null)) {
                throw new SettingException("kafka.ssl-" + store + "-location/-password are set, but kafka.security-protocol="
                        + protocol + " does not use TLS (use SSL or SASL_SSL)");
            }
            if (location != null) {
                if (!Files.isReadable(Path.of(location))) {
                    throw new SettingException("Setting kafka.ssl-" + store + "-location (env KAFKA_SSL_" + store.toUpperCase()
                            + "_LOCATION) = '" + location + "': no readable file there");
                }
                configs.put("ssl." + store + ".location", location);
            }
            if (password != null) {
                configs.put("ssl." + store + ".password", password);
                secrets.add(password);
            }
            if (type != null && tls) {
                configs.put("ssl." + store + ".type", type);
            }
        }
        String keyPassword = settings.optional("kafka.ssl-key-password");
        if (keyPassword != null && tls) {
            configs.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, keyPassword);
            secrets.add(keyPassword);
        }
        return new KafkaClientSecurity(protocol, mechanism, configs, secrets);
    }

    private static String readSecretFile(String key, String file) {
        try {
            String content = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
            if (content.isEmpty()) {
                throw new SettingException("Setting " + key + " (env " + Settings.envName(key) + ") = '" + file + "': the file is empty");
            }
            return content;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SettingException s) {
                throw s;
            }
            throw new SettingException("Setting " + key + " (env " + Settings.envName(key) + ") = '" + file
                    + "': cannot read the file (" + e.getClass().getSimpleName() + ")");
        }
    }

    public boolean isPlaintext() {
        return configs.isEmpty();
    }

    public String protocol() {
        return protocol;
    }

    /** {@code config} (a plain Kafka client's configuration) with the security settings added; returns it. */
    public <M extends Map<String, Object>> M apply(M config) {
        config.putAll(configs);
        return config;
    }

    /** As {@link #apply(Map)}, for a client configured with Properties. */
    public Properties apply(Properties config) {
        config.putAll(configs);
        return config;
    }

    /** A copy of {@code config} with the security settings added (for an immutable {@code Map.of(...)}). */
    public Map<String, Object> with(Map<String, Object> config) {
        return apply(new java.util.HashMap<>(config));
    }

    /** Sets the security on camel-kafka's component configuration: every kafka: endpoint starts from it. */
    void applyTo(KafkaConfiguration c) {
        if (isPlaintext()) {
            return;
        }
        c.setSecurityProtocol(protocol);
        if (mechanism != null) {
            c.setSaslMechanism(mechanism);
            c.setSaslJaasConfig(configs.get(SaslConfigs.SASL_JAAS_CONFIG));
        }
        c.setSslTruststoreLocation(configs.get("ssl.truststore.location"));
        c.setSslTruststorePassword(configs.get("ssl.truststore.password"));
        if (configs.containsKey("ssl.truststore.type")) {
            c.setSslTruststoreType(configs.get("ssl.truststore.type"));
        }
        c.setSslKeystoreLocation(configs.get("ssl.keystore.location"));
        c.setSslKeystorePassword(configs.get("ssl.keystore.password"));
        if (configs.containsKey("ssl.keystore.type")) {
            c.setSslKeystoreType(configs.get("ssl.keystore.type"));
        }
        c.setSslKeyPassword(configs.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG));
    }

    /** {@code text} with every configured secret replaced by {@code ****} (an error message about to be logged). */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String secret : secrets) {
            out = out.replace(secret, "****");
        }
        return out;
    }

    /** Protocol and mechanism only: safe to log. */
    @Override
    public String toString() {
        return mechanism == null ? protocol : protocol + " (" + mechanism + ")";
    }
}

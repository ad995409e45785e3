package dev.aigateway;

import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import dev.aigateway.config.GatewayBeans;
import dev.aigateway.config.SettingException;
import dev.aigateway.config.Settings;

/**
 * Starts the gateway: Camel Main with config/application.properties and the YAML routes in routes/,
 * both read from the working directory so operators edit them without rebuilding.
 */
public final class GatewayApplication {
    private GatewayApplication() {
    }

    public static void main(String[] args) {
        try {
            newMain(Map.of()).run(args);
        } catch (Exception e) {
            // threads started before the failure (Vert.x, the broker) would keep a half-started JVM alive
            SettingException setting = SettingException.in(e);
            if (setting == null) {
                setting = SettingException.fromCamel(e); // a camel.* key Camel could not bind
            }
            if (setting == null && portInUse(e)) {
                setting = new SettingException(e.getMessage()); // e.g. gateway.simulator.port taken: the message names it
            }
            if (setting != null) {
                // an operator's mistake, fully described by its message: one line, no stack trace
                LoggerFactory.getLogger(GatewayApplication.class).error("The gateway could not start: {}", setting.getMessage());
            } else {
                LoggerFactory.getLogger(GatewayApplication.class).error("The gateway could not start: {}", e.getMessage(), e);
            }
            System.exit(1);
        }
    }

    private static boolean portInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }

    /** A configured, not yet started gateway; {@code overrides} win over the properties file (tests use them). */
    public static Main newMain(Map<String, String> overrides) {
        Main main = new Main();
        String config = System.getenv().getOrDefault("GATEWAY_CONFIG",
                System.getProperty("gateway.config", "config/application.properties"));
        main.setDefaultPropertyPlaceholderLocation("file:" + config);
        main.configure().addConfiguration(GatewayBeans.class);
        // the API's interface is chosen before Camel configures its HTTP server (gateway.http.host)
        main.addMainListener(new dev.aigateway.config.BindAddress());
        Map<String, String> env = environmentOverrides(config);
        env.forEach(main::addOverrideProperty);
        overrides.forEach(main::addOverrideProperty);
        checkBooleans(config, env, overrides);
        return main;
    }

    /**
     * A key shipped as true/false takes nothing else: Camel reads its own booleans (camel.metrics.enabled...)
     * before the gateway's beans, and reports a typo without naming the key.
     */
    static void checkBooleans(String config, Map<String, String> env, Map<String, String> overrides) {
        java.util.Properties file = load(config);
        for (String key : file.stringPropertyNames()) {
            String shipped = file.getProperty(key).trim();
            if (shipped.equals("true") || shipped.equals("false")) {
                new Settings(k -> overrides.getOrDefault(k, env.getOrDefault(k, shipped))).bool(key);
            }
        }
    }

    /**
     * Every key of the properties file, overridden by its upper-snake-case environment variable. Camel maps
     * only some prefixes itself (not camel.management.*, camel.component.*), so the gateway does it for all.
     */
    static Map<String, String> environmentOverrides(String config) {
        Map<String, String> out = new java.util.HashMap<>();
        java.util.Properties file = load(config);
        for (String key : file.stringPropertyNames()) {
            String value = System.getenv(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
            if (value != null) {
                out.put(key, value);
            }
        }
        return out;
    }

    private static java.util.Properties load(String config) {
        java.util.Properties file = new java.util.Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(config))) {
            file.load(r);
        } catch (java.io.IOException e) {
            // Camel reports a missing file itself
        }
        return file;
    }
}

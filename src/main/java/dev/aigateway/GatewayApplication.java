package dev.aigateway;

import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import dev.aigateway.config.GatewayBeans;
import dev.aigateway.config.SettingException;

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
            if (setting != null) {
                // an operator's mistake, fully described by its message: one line, no stack trace
                LoggerFactory.getLogger(GatewayApplication.class).error("The gateway could not start: {}", setting.getMessage());
            } else {
                LoggerFactory.getLogger(GatewayApplication.class).error("The gateway could not start: {}", e.getMessage(), e);
            }
            System.exit(1);
        }
    }

    /** A configured, not yet started gateway; {@code overrides} win over the properties file (tests use them). */
    public static Main newMain(Map<String, String> overrides) {
        Main main = new Main();
        String config = System.getenv().getOrDefault("GATEWAY_CONFIG",
                System.getProperty("gateway.config", "config/application.properties"));
        main.setDefaultPropertyPlaceholderLocation("file:" + config);
        main.configure().addConfiguration(GatewayBeans.class);
        environmentOverrides(config).forEach(main::addOverrideProperty);
        overrides.forEach(main::addOverrideProperty);
        return main;
    }

    /**
     * Every key of the properties file, overridden by its upper-snake-case environment variable. Camel maps
     * only some prefixes itself (not camel.management.*, camel.component.*), so the gateway does it for all.
     */
    static Map<String, String> environmentOverrides(String config) {
        Map<String, String> out = new java.util.HashMap<>();
        java.util.Properties file = new java.util.Properties();
        try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(config))) {
            file.load(r);
        } catch (java.io.IOException e) {
            return out; // Camel reports a missing file itself
        }
        for (String key : file.stringPropertyNames()) {
            String value = System.getenv(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
            if (value != null) {
                out.put(key, value);
            }
        }
        return out;
    }
}

package dev.aigateway;

import java.util.Map;

import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

import dev.aigateway.config.GatewayBeans;

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
            LoggerFactory.getLogger(GatewayApplication.class).error("The gateway could not start: {}", e.getMessage(), e);
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
        overrides.forEach(main::addOverrideProperty);
        return main;
    }
}

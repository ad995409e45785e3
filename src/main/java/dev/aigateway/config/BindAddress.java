package dev.aigateway.config;

import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the API's interface before Camel configures its HTTP server: {@code gateway.http.host} when set;
 * else 127.0.0.1 while {@code gateway.auth.enabled=false} (nothing guards the API: open to the network it
 * would relay anyone's prompts on the providers' keys) and 0.0.0.0 when keys are required. The choice is
 * {@code gateway.http.bind-address}, which {@code camel.server.host} names.
 */
public final class BindAddress extends MainListenerSupport {
    private static final Logger LOG = LoggerFactory.getLogger(BindAddress.class);

    @Override
    public void beforeConfigure(BaseMainSupport main) {
        PropertiesComponent properties = main.getCamelContext().getPropertiesComponent();
        String host = properties.resolveProperty("gateway.http.host").map(String::trim).filter(h -> !h.isEmpty()).orElse(null);
        boolean auth = Boolean.parseBoolean(properties.resolveProperty("gateway.auth.enabled").orElse("false").trim());
        String why = host != null ? "gateway.http.host"
                : auth ? "gateway.auth.enabled=true, gateway.http.host empty"
                : "gateway.auth.enabled=false: loopback only; set gateway.http.host to listen beyond this machine";
        String address = host != null ? host : auth ? "0.0.0.0" : "127.0.0.1";
        properties.addOverrideProperty("gateway.http.bind-address", address);
        // Vert.x reports a port in use on an event loop and Camel starts anyway, serving nothing: refuse here
        ensureFree(address, properties.resolveProperty("gateway.http.port").orElse(null), "gateway.http.port");
        if (Boolean.parseBoolean(properties.resolveProperty("camel.management.enabled").orElse("false").trim())) {
            ensureFree(properties.resolveProperty("camel.management.host").orElse("0.0.0.0"),
                    properties.resolveProperty("camel.management.port").orElse(null), "camel.management.port");
        }
        LOG.info("The API listens on {}:{} ({}); metrics and health on {}:{} (camel.management.host)", address,
                properties.resolveProperty("gateway.http.port").orElse("?"), why,
                properties.resolveProperty("camel.management.host").orElse("?"),
                properties.resolveProperty("camel.management.port").orElse("?"));
    }

    /** A port another process holds stops start-up with one line naming the setting (port 0: any free one). */
    static void ensureFree(String host, String port, String setting) {
        int number;
        try {
            number = Integer.parseInt(port == null ? "" : port.trim());
        } catch (NumberFormatException e) {
            return; // an unreadable port is Camel's to report
        }
        if (number <= 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(host, number));
        } catch (java.io.IOException e) {
            throw new SettingException(setting + " " + number + " on " + host + " is already in use (another gateway, "
                    + "or another program, listens there): stop it or choose another port (" + e.getMessage() + ")");
        }
    }
}

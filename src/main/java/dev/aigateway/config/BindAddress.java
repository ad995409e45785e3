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
        LOG.info("The API listens on {}:{} ({}); metrics and health on {}:{} (camel.management.host)", address,
                properties.resolveProperty("gateway.http.port").orElse("?"), why,
                properties.resolveProperty("camel.management.host").orElse("?"),
                properties.resolveProperty("camel.management.port").orElse("?"));
    }
}

package dev.aigateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.HttpIngress;
import dev.aigateway.api.RequestParser;
import dev.aigateway.auth.ApiKeys;
import dev.aigateway.auth.KeyAdmin;
import dev.aigateway.auth.KeyFile;
import dev.aigateway.chain.Attempts;
import dev.aigateway.chain.Breakers;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.chain.ProviderCall;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.kafka.KafkaSetup;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Credential;
import dev.aigateway.provider.KeySource;
import dev.aigateway.provider.OAuth2Token;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.provider.Providers;
import dev.aigateway.simulator.ProviderSimulator;
import dev.aigateway.stream.AnswerStreams;

/**
 * Builds the beans the YAML routes name, from config/application.properties (each key overridable by
 * its upper-snake-case environment variable). Runs before the routes are loaded.
 */
public class GatewayBeans implements CamelConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayBeans.class);

    @Override
    public void configure(CamelContext context) throws Exception {
        Function<String, String> property = key -> context.getPropertiesComponent().resolveProperty(key).orElse(null);
        // a value that cannot be read stops start-up with one line naming key, value and accepted forms
        Settings settings = new Settings(property);
        Function<String, String> required = settings::required;

        // platform-http finds this Vert.x instance in the registry and runs each request's route on its workers
        int maxInFlight = settings.integer("gateway.http.max-in-flight", 1, Integer.MAX_VALUE);
        settings.integer("gateway.http.port", 0, 65535); // Camel reads it later (camel.server.port) with a stack trace
        settings.integer("camel.management.port", 0, 65535); // Camel would bind "abc" as port 0, silently
        Vertx vertx = HttpWorkers.create(maxInFlight);
        context.getRegistry().bind("vertx", vertx);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                vertx.close();
            }
        });
        LOG.info("HTTP requests run on {}", VirtualThreads.available() ? "virtual threads (JDK "
                + Runtime.version().feature() + ")" : "a pool of " + maxInFlight + " threads (gateway.http.max-in-flight; "
                + "run on JDK 21+ for virtual threads)");

        // the registry Camel's metrics service (camel.metrics.*) serves at /observe/metrics, or our own when it is off
        MeterRegistry meterRegistry = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME,
                MeterRegistry.class);
        if (meterRegistry == null) {
            meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, meterRegistry);
        }
        GatewayMetrics metrics = new GatewayMetrics(meterRegistry);
        context.getRegistry().bind("gatewayMetrics", metrics);

        Providers providers = buildProviders(context, property, settings);
        Cooldowns cooldowns = new Cooldowns(settings.duration("gateway.rate-limit-cooldown"),
                settings.duration("gateway.rate-limit-cooldown-max"));
        Breakers breakers = new Breakers(metrics);
        for (Provider p : providers.all()) {
            CircuitBreaker breaker = breakers.create(p.settings());
            context.getRegistry().bind(p.name(), CircuitBreaker.class, breaker);
        }
        context.getRegistry().bind("circuitBreakerRegistry", breakers.registry());
        context.getRegistry().bind("providers", providers);
        context.getRegistry().bind("cooldowns", cooldowns);
        ProviderHealth health = new ProviderHealth(providers, metrics, property.apply("gateway.instance"));
        context.getRegistry().bind("providerHealth", health);
        context.getRegistry().bind("adminStatus", new dev.aigateway.metrics.AdminStatus(providers, health, metrics, cooldowns));
        // camel-http and the timer want plain ms: routes use the -ms twins of the settings, which take every form
        context.getPropertiesComponent().addOverrideProperty("health.timeout-ms",
                String.valueOf(settings.duration("health.timeout", 1)));
        context.getPropertiesComponent().addOverrideProperty("health.interval-ms",
                String.valueOf(settings.duration("health.interval", 1)));
        long firstToken = settings.duration("stream.first-token-timeout", 1);
        long idle = settings.duration("stream.idle-timeout", 1);
        for (Provider p : providers.all()) {
            // a streamed call waits for its response headers no longer than for its first token
            context.getPropertiesComponent().addOverrideProperty("provider." + p.name() + ".stream-timeout-ms",
                    String.valueOf(Math.min(p.settings().timeoutMs(), firstToken)));
            // a plain call waits provider.<name>.timeout (30s), which camel-http takes as ms
            context.getPropertiesComponent().addOverrideProperty("provider." + p.name() + ".timeout-ms",
                    String.valueOf(p.settings().timeoutMs()));
        }
        AnswerStreams streams = new AnswerStreams(firstToken, idle, settings.oneOf("stream.mid-stream-failover", "continue", "restart", "fail"),
                required.apply("stream.continuation-instruction"), settings.bool("stream.internal"),
                metrics);
        context.getRegistry().bind("answerStreams", streams);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                streams.close();
            }
        });
        context.getRegistry().bind("providerCall", new ProviderCall(providers, cooldowns, health, metrics, streams,
                settings.duration("gateway.quota-cooldown")));
        String healthMode = settings.oneOf("health.mode", "skip", "try-last");
        context.getRegistry().bind("attempts", new Attempts(providers, metrics, "try-last".equals(healthMode),
                context.createProducerTemplate(), cooldowns,
                settings.duration("gateway.wait-for-cooldown-max")));
        LiveChains chains = new LiveChains(context, providers.all().stream().map(Provider::name).toList());
        context.getRegistry().bind("chains", chains);
        ApiKeys apiKeys = new ApiKeys(settings.bool("gateway.auth.enabled"),
                new KeyFile(java.nio.file.Path.of(required.apply("gateway.auth.keys-file"))), metrics, 500);
        context.getRegistry().bind("apiKeys", apiKeys);
        context.getRegistry().bind("keyAdmin", new KeyAdmin(apiKeys, Credential.of(required.apply("gateway.auth.admin-key-env"),
                blankToNull(property.apply("gateway.auth.admin-key-file"))), required.apply("gateway.auth.admin-key-env")));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                apiKeys.close();
            }
        });
        RequestParser parser = new RequestParser(required.apply("gateway.default-chain"),
                required.apply("gateway.premium-chain"));
        context.getRegistry().bind("httpIngress", new HttpIngress(parser, providers, chains, metrics, streams,
                settings.integer("gateway.max-body-bytes", 1, Integer.MAX_VALUE)));
        // the -ms names are a contract; like every duration they take 250ms/30s/2m, and reach camel-kafka as ms
        for (String key : List.of("gateway.kafka.session-timeout-ms", "gateway.kafka.batch-interval-ms")) {
            context.getPropertiesComponent().addOverrideProperty(key, String.valueOf(settings.duration(key, 1)));
        }
        // KafkaSetup parses these as plain numbers: a typo must fail here, named, not as a NumberFormatException
        for (String key : List.of("gateway.kafka.max-in-flight", "gateway.kafka.consumers", "gateway.kafka.partitions",
                "gateway.kafka.max-record-bytes")) {
            settings.integer(key, 1, Integer.MAX_VALUE);
        }
        settings.integer("gateway.kafka.embedded.port", 0, 65535);
        KafkaSetup.configure(context, required, property, parser, chains, metrics,
                settings.bool("gateway.kafka.enabled"));
    }

    private Providers buildProviders(CamelContext context, Function<String, String> property,
            Settings config) throws Exception {
        String mode = config.oneOf("gateway.simulator.mode", "auto", "on", "off");
        List<ProviderSettings> settings = new ArrayList<>();
        for (String name : config.required("gateway.providers").split(",")) {
            if (!name.isBlank()) {
                settings.add(ProviderSettings.read(name.trim(), property));
            }
        }
        ProviderSimulator simulator = null;
        Providers providers = new Providers();
        for (ProviderSettings s : settings) {
            KeySource credential = keySource(context, s.name(), property, Credential.of(s.apiKeyEnv(), s.apiKeyFile()));
            boolean simulate = "on".equals(mode) || ("auto".equals(mode) && !credential.present());
            String baseUrl = s.baseUrl();
            if (simulate) {
                if (simulator == null) {
                    simulator = new ProviderSimulator(config.required("gateway.simulator.host"))
                            .start(config.integer("gateway.simulator.port", 0, 65535));
                }
                simulator.provider(s.name(), s.api(), config.duration("gateway.simulator.latency"),
                        config.duration("gateway.simulator.chunk-interval"));
                baseUrl = simulator.baseUrl(s.name());
                LOG.info("Provider {} ({} API, model {}) is SIMULATED at {}: {}", s.name(), s.api(), s.model(),
                        baseUrl, credential.describe());
            } else {
                LOG.info("Provider {} ({} API, model {}) at {}, key from {}", s.name(), s.api(), s.model(), baseUrl,
                        credential.describe());
            }
            providers.add(new Provider(s, Providers.adapterFor(s.api()), credential, baseUrl, simulate));
        }
        if (simulator != null) {
            ProviderSimulator sim = simulator;
            context.getRegistry().bind("providerSimulator", sim);
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    sim.close();
                }
            });
            LOG.info("Provider simulator: switch faults with PUT http://{}:{}/_sim/<provider> {\"fault\":\"error\"}",
                    config.required("gateway.simulator.host"), sim.port());
        }
        return providers;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** The provider's key: OAuth2 client credentials when provider.<name>.oauth2.token-url is set, else the static key. */
    private static KeySource keySource(CamelContext context, String name, Function<String, String> property,
            Credential staticKey) {
        String p = "provider." + name + ".oauth2.";
        String tokenUrl = blankToNull(property.apply(p + "token-url"));
        if (tokenUrl == null) {
            return staticKey;
        }
        double refreshAt = new Settings(property).number("gateway.oauth2.refresh-at", "a share of the lifetime above 0, at most 1",
                v -> v > 0 && v <= 1);
        return new OAuth2Token(name, tokenUrl, blankToNull(property.apply(p + "client-id")),
                Credential.of(blankToNull(property.apply(p + "client-secret-env")),
                        blankToNull(property.apply(p + "client-secret-file"))),
                blankToNull(property.apply(p + "scope")), refreshAt, context.createProducerTemplate());
    }
}

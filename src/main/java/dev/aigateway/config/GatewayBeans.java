package dev.aigateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
import dev.aigateway.provider.Durations;
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
        Function<String, String> required = key -> {
            String v = property.apply(key);
            if (v == null || v.isBlank()) {
                throw new IllegalStateException("Missing setting " + key);
            }
            return v.trim();
        };

        // platform-http finds this Vert.x instance in the registry and runs each request's route on its workers
        int maxInFlight = Integer.parseInt(required.apply("gateway.http.max-in-flight"));
        Vertx vertx = HttpWorkers.create(maxInFlight);
        context.getRegistry().bind("vertx", vertx);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                vertx.close();
            }
        });
        LOG.info("HTTP requests run on {}, at most {} at once (gateway.http.max-in-flight; more get 503)",
                VirtualThreads.available() ? "virtual threads (JDK " + Runtime.version().feature() + ")"
                        : "a pool of " + maxInFlight + " threads (run on JDK 21+ for virtual threads)", maxInFlight);

        // the registry Camel's metrics service (camel.metrics.*) serves at /observe/metrics, or our own when it is off
        MeterRegistry meterRegistry = context.getRegistry().lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME,
                MeterRegistry.class);
        if (meterRegistry == null) {
            meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, meterRegistry);
        }
        GatewayMetrics metrics = new GatewayMetrics(meterRegistry);
        context.getRegistry().bind("gatewayMetrics", metrics);
        long maxBodyBytes = Long.parseLong(required.apply("gateway.max-body-bytes"));
        int apiPort = Integer.parseInt(required.apply("gateway.http.port"));
        context.getRegistry().bind("httpAdmission", new HttpWorkers.Admission(maxInFlight, metrics));
        context.addStartupListener(new org.apache.camel.StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // the API's router exists once its server started; requests reach the routes only after this
                HttpWorkers.answerTooLarge(org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.lookup(ctx,
                        org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.getRouterNameFromPort(apiPort)),
                        maxBodyBytes, metrics);
            }
        });

        Providers providers = buildProviders(context, property, required);
        Cooldowns cooldowns = new Cooldowns(Durations.parseMillis(required.apply("gateway.rate-limit-cooldown")),
                Durations.parseMillis(required.apply("gateway.rate-limit-cooldown-max")));
        Breakers breakers = new Breakers(metrics);
        for (Provider p : providers.all()) {
            CircuitBreaker breaker = breakers.create(p.settings());
            context.getRegistry().bind(p.name(), CircuitBreaker.class, breaker);
        }
        context.getRegistry().bind("circuitBreakerRegistry", breakers.registry());
        context.getRegistry().bind("providers", providers);
        context.getRegistry().bind("cooldowns", cooldowns);
        // a record older than health.max-age is ignored; empty = 3 x health.interval (read as the timer reads it)
        long interval = org.apache.camel.util.TimeUtils.toMilliSeconds(required.apply("health.interval"));
        String maxAge = blankToNull(property.apply("health.max-age"));
        ProviderHealth health = new ProviderHealth(providers, metrics, cooldowns, property.apply("gateway.instance"),
                java.time.Duration.ofMillis(maxAge == null ? 3 * interval : Durations.parseMillis(maxAge)));
        context.getRegistry().bind("providerHealth", health);
        // readiness (/observe/health) waits for this instance's first probe round
        context.getRegistry().bind("providerProbesReadiness", new dev.aigateway.health.FirstProbeRound(health));
        context.getRegistry().bind("adminStatus", new dev.aigateway.metrics.AdminStatus(providers, health, metrics, cooldowns));
        // camel-http wants the probe timeout in ms; the timer takes the interval as written (30s)
        context.getPropertiesComponent().addOverrideProperty("health.timeout-ms",
                String.valueOf(Durations.parseMillis(required.apply("health.timeout"))));
        long firstToken = Durations.parseMillis(required.apply("stream.first-token-timeout"));
        long idle = Durations.parseMillis(required.apply("stream.idle-timeout"));
        for (Provider p : providers.all()) {
            // a streamed call waits for its response headers no longer than for its first token
            context.getPropertiesComponent().addOverrideProperty("provider." + p.name() + ".stream-timeout-ms",
                    String.valueOf(Math.min(p.settings().timeoutMs(), firstToken)));
        }
        AnswerStreams streams = new AnswerStreams(firstToken, idle, required.apply("stream.mid-stream-failover"),
                required.apply("stream.continuation-instruction"), Boolean.parseBoolean(required.apply("stream.internal")),
                metrics);
        context.getRegistry().bind("answerStreams", streams);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                streams.close();
            }
        });
        context.getRegistry().bind("providerCall", new ProviderCall(providers, cooldowns, health, metrics, streams,
                Durations.parseMillis(required.apply("gateway.quota-cooldown"))));
        String healthMode = required.apply("health.mode");
        if (!List.of("skip", "try-last").contains(healthMode)) {
            throw new IllegalStateException("health.mode must be skip or try-last; got " + healthMode);
        }
        context.getRegistry().bind("attempts", new Attempts(providers, metrics, "try-last".equals(healthMode),
                context.createProducerTemplate(), cooldowns,
                Durations.parseMillis(required.apply("gateway.wait-for-cooldown-max"))));
        LiveChains chains = new LiveChains(context);
        context.getRegistry().bind("chains", chains);
        ApiKeys apiKeys = new ApiKeys(Boolean.parseBoolean(required.apply("gateway.auth.enabled")),
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
                required.apply("gateway.premium-chain"), positiveInt(required, "gateway.max-tokens-limit"),
                positiveInt(required, "gateway.max-n"), required.apply("gateway.unknown-fields"));
        context.getRegistry().bind("httpIngress", new HttpIngress(parser, providers, chains, metrics, streams,
                Long.parseLong(required.apply("gateway.max-body-bytes"))));
        KafkaSetup.configure(context, required, property, parser, chains, metrics,
                Boolean.parseBoolean(required.apply("gateway.kafka.enabled")));
    }

    private Providers buildProviders(CamelContext context, Function<String, String> property,
            Function<String, String> required) throws Exception {
        String mode = required.apply("gateway.simulator.mode").toLowerCase(Locale.ROOT);
        if (!List.of("auto", "on", "off").contains(mode)) {
            throw new IllegalStateException("gateway.simulator.mode must be auto, on or off; got " + mode);
        }
        List<ProviderSettings> settings = new ArrayList<>();
        for (String name : required.apply("gateway.providers").split(",")) {
            if (!name.isBlank()) {
                settings.add(ProviderSettings.read(name.trim(), property));
            }
        }
        List<KeySource> credentials = new ArrayList<>();
        boolean anyKey = false;
        for (ProviderSettings s : settings) {
            KeySource credential = keySource(context, s.name(), property, Credential.of(s.apiKeyEnv(), s.apiKeyFile()));
            credentials.add(credential);
            anyKey |= credential.present() || keyless(s, property);
        }
        // auto fails closed: the simulator stands in only when no provider has a key (the offline demo); once
        // one has, a provider without its key is left out instead of answering "Simulated ..." for real money
        boolean demo = "on".equals(mode) || ("auto".equals(mode) && !anyKey);
        if ("auto".equals(mode) && demo) {
            LOG.warn("No provider has an API key: every provider is SIMULATED (gateway.simulator.mode=auto, the offline "
                    + "demo); answers carry x-gateway-simulated: true. Set a provider's key to call real providers");
        }
        ProviderSimulator simulator = null;
        Providers providers = new Providers();
        for (int i = 0; i < settings.size(); i++) {
            ProviderSettings s = settings.get(i);
            KeySource credential = credentials.get(i);
            String baseUrl = s.baseUrl();
            if (demo) {
                if (simulator == null) {
                    simulator = new ProviderSimulator(required.apply("gateway.simulator.host"))
                            .start(Integer.parseInt(required.apply("gateway.simulator.port")));
                }
                simulator.provider(s.name(), s.api(), Durations.parseMillis(required.apply("gateway.simulator.latency")),
                        Durations.parseMillis(required.apply("gateway.simulator.chunk-interval")));
                baseUrl = simulator.baseUrl(s.name());
                LOG.info("Provider {} ({} API, model {}) is SIMULATED at {}: {}", s.name(), s.api(), s.model(),
                        baseUrl, credential.describe());
            } else if ("auto".equals(mode) && !credential.present() && !keyless(s, property)) {
                LOG.warn("Provider {} is DISABLED (no key): looked for {}; it is left out of every chain. Set it, or "
                        + "remove {} from gateway.providers", s.name(), lookedFor(s, credential), s.name());
                providers.add(new Provider(s, Providers.adapterFor(s.api()), credential, baseUrl, false, "no key"));
                continue;
            } else {
                LOG.info("Provider {} ({} API, model {}) at {}, key from {}", s.name(), s.api(), s.model(), baseUrl,
                        credential.describe());
            }
            providers.add(new Provider(s, Providers.adapterFor(s.api()), credential, baseUrl, demo));
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
                    required.apply("gateway.simulator.host"), sim.port());
        }
        return providers;
    }

    /** A count setting (gateway.max-n, …): a positive integer, else start-up stops naming it. */
    private static int positiveInt(Function<String, String> required, String key) {
        String v = required.apply(key).trim();
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException(key + " must be a positive integer; got '" + v + "'");
    }

    /** A provider configured with no key source at all (no api-key-env, -file, OAuth2): e.g. a local Ollama. */
    private static boolean keyless(ProviderSettings s, Function<String, String> property) {
        return s.apiKeyEnv() == null && s.apiKeyFile() == null
                && blankToNull(property.apply("provider." + s.name() + ".oauth2.token-url")) == null;
    }

    /** Where a missing key was looked for, for the operator's WARN: the variable and file names, never a value. */
    private static String lookedFor(ProviderSettings s, KeySource credential) {
        if (credential instanceof OAuth2Token) {
            return credential.describe();
        }
        return (s.apiKeyEnv() != null ? "environment variable " + s.apiKeyEnv() : "")
                + (s.apiKeyEnv() != null && s.apiKeyFile() != null ? " and " : "")
                + (s.apiKeyFile() != null ? "file " + s.apiKeyFile() : "");
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
        double refreshAt = Double.parseDouble(property.apply("gateway.oauth2.refresh-at"));
        if (refreshAt <= 0 || refreshAt > 1) {
            throw new IllegalStateException("gateway.oauth2.refresh-at must be in (0, 1]; got " + refreshAt);
        }
        return new OAuth2Token(name, tokenUrl, blankToNull(property.apply(p + "client-id")),
                Credential.of(blankToNull(property.apply(p + "client-secret-env")),
                        blankToNull(property.apply(p + "client-secret-file"))),
                blankToNull(property.apply(p + "scope")), refreshAt,
                Durations.parseMillis(property.apply("gateway.oauth2.timeout")), context.createProducerTemplate(),
                context.getExecutorServiceManager().newCachedThreadPool(context, "oauth2-" + name));
    }
}

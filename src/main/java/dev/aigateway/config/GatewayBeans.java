package dev.aigateway.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

import dev.aigateway.http.HttpIngress;
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
        long maxBodyBytes = settings.integer("gateway.max-body-bytes", 1, Integer.MAX_VALUE);
        int apiPort = settings.integer("gateway.http.port", 0, 65535);
        context.getRegistry().bind("httpAdmission", new HttpWorkers.Admission(maxInFlight, metrics));
        // /admin/* and /console on gateway.admin.port (default: the management port), off the public API port
        dev.aigateway.http.AdminSurface adminSurface = new dev.aigateway.http.AdminSurface(apiPort,
                settings.integer("gateway.admin.port", 0, 65535));
        adminSurface.install(context, settings.bool("camel.management.enabled", false)
                ? settings.integer("camel.management.port", 0, 65535) : -1,
                property.apply("camel.management.host"), maxBodyBytes);
        context.addStartupListener(new org.apache.camel.StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // the API's router exists once its server started; requests reach the routes only after this
                var router = org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.lookup(ctx,
                        org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter.getRouterNameFromPort(apiPort));
                HttpWorkers.answerTooLarge(router, maxBodyBytes, metrics);
                adminSurface.answerMovedOnApiPort(router);
                dev.aigateway.http.UnservedPaths.answerAsJson(router, adminSurface.onApiPort(() -> servedEndpoints(ctx)));
                adminSurface.answerUnservedOnAdminPort(ctx, () -> servedEndpoints(ctx));
            }
        });

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
        // a record older than health.max-age is ignored; empty = 3 x health.interval (read as the timer reads it)
        long interval = settings.duration("health.interval", 1);
        String maxAge = settings.optional("health.max-age");
        ProviderHealth health = new ProviderHealth(providers, metrics, cooldowns, property.apply("gateway.instance"),
                java.time.Duration.ofMillis(maxAge == null ? 3 * interval : settings.duration("health.max-age", 1)));
        context.getRegistry().bind("providerHealth", health);
        // readiness (/observe/health) waits for this instance's first probe round
        // DOWN until this instance probed every provider once: until then all it knows are health-topic records,
        // which may be another run's
        context.getRegistry().bind("providerProbesReadiness", new dev.aigateway.health.StartupReadiness("provider-probes",
                health::firstRoundDone, "every provider probed by this instance",
                () -> "waiting for this instance's first probe of " + new java.util.TreeSet<>(health.notYetProbed())));
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
        Attempts attempts = new Attempts(providers, metrics, "try-last".equals(healthMode),
                context.createProducerTemplate(), cooldowns,
                settings.duration("gateway.wait-for-cooldown-max"));
        context.getRegistry().bind("attempts", attempts);
        // issue 12: retries on the same deployment before its breaker falls back, and the request deadline
        dev.aigateway.chain.ProviderRetry retry = new dev.aigateway.chain.ProviderRetry(context.createProducerTemplate(),
                attempts, cooldowns);
        for (Provider p : providers.all()) {
            retry.policy(p.name(), dev.aigateway.chain.ProviderRetry.read(p.name(), property));
        }
        context.getRegistry().bind("providerRetry", retry);
        // a provider call waits no longer than its request's deadline (camel-http has no per-call timeout), and a
        // call that went out on a connection the provider had already closed is sent again at once, once
        context.getComponent("http", org.apache.camel.component.http.HttpComponent.class)
                .setHttpClientConfigurer(org.apache.camel.component.http.CompositeHttpConfigurer.combineConfigurers(
                        new dev.aigateway.chain.CallTimeouts(),
                        builder -> builder.setRetryStrategy(new dev.aigateway.chain.StaleConnectionRetry())));
        context.getRegistry().bind("requestDeadline",
                new dev.aigateway.request.RequestDeadline(settings.duration("gateway.request-timeout", 1)));
        // which errors fall back (README "Fallback rules"): one reading for the provider calls and the chain ends
        dev.aigateway.chain.FallbackRules fallbackRules = new dev.aigateway.chain.FallbackRules(property,
                providers.all().stream().map(Provider::name).toList());
        context.getRegistry().lookupByNameAndType("providerCall", ProviderCall.class).fallbackRules(fallbackRules);
        attempts.fallbackRules(fallbackRules);
        LiveChains chains = new LiveChains(context, providers.routableNames());
        chains.tiers(new dev.aigateway.chain.Tiers(providers, name -> name.matches("[A-Za-z0-9_-]{1,64}")
                && property.apply("provider." + name + ".api") != null && providers.deploymentsOf(name).isEmpty())
                .retried(retry::retries).attempts(attempts));
        // the tiers' step-to-step circuitBreaker EIP needs a breaker; this one never opens (the deployments' do)
        CircuitBreaker chainStep = CircuitBreaker.ofDefaults(dev.aigateway.chain.Tiers.STEP_BREAKER);
        chainStep.transitionToDisabledState();
        context.getRegistry().bind(dev.aigateway.chain.Tiers.STEP_BREAKER, CircuitBreaker.class, chainStep);
        context.getRegistry().bind("chains", chains);
        ApiKeys apiKeys = new ApiKeys(settings.bool("gateway.auth.enabled"),
                new KeyFile(java.nio.file.Path.of(required.apply("gateway.auth.keys-file"))), metrics, 500)
                .budgetStepDown(settings.optional("gateway.auth.budget-step-down") == null ? 0
                        : settings.number("gateway.auth.budget-step-down", "a share of the budget from 0 to 1 (empty: off)",
                                v -> v >= 0 && v <= 1));
        context.getRegistry().bind("apiKeys", apiKeys);
        context.getRegistry().bind("keyAdmin", new KeyAdmin(apiKeys, Credential.of(required.apply("gateway.auth.admin-key-env"),
                blankToNull(property.apply("gateway.auth.admin-key-file"))), required.apply("gateway.auth.admin-key-env")));
        context.getRegistry().bind("consoleFiles", new dev.aigateway.http.ConsoleFiles(
                context.getRegistry().lookupByNameAndType("keyAdmin", KeyAdmin.class)));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                apiKeys.close();
            }
        });
        RequestParser parser = new RequestParser(required.apply("gateway.default-chain"),
                required.apply("gateway.premium-chain"), settings.integer("gateway.max-tokens-limit", 1, Integer.MAX_VALUE),
                settings.integer("gateway.max-n", 1, Integer.MAX_VALUE), settings.oneOf("gateway.unknown-fields", "reject", "drop"))
                .models(new dev.aigateway.api.ModelRoutes(chains::aliases, required.apply("gateway.default-chain"),
                        settings.oneOf("gateway.models.unknown", "reject", "default"))
                        .autoChains(required.apply("gateway.auto.budget-chain"), required.apply("gateway.auto.premium-chain"))
                        .describedBy(chains::describe).embeddingsChains(chains::servesEmbeddings))
                .auto(new dev.aigateway.api.AutoRoutes(required.apply("gateway.auto.premium-chain"),
                        required.apply("gateway.auto.budget-chain"),
                        settings.integer("gateway.auto.premium-over-tokens", 0, Integer.MAX_VALUE)));
        // issue 14: POST /v1/embeddings through embeddings chains (provider.<name>.embedding-*, routes/chain-embeddings.yaml)
        dev.aigateway.embeddings.EmbeddingModels embeddingModels = new dev.aigateway.embeddings.EmbeddingModels(providers, property);
        context.getRegistry().lookupByNameAndType("providerCall", ProviderCall.class).embeddings(embeddingModels);
        chains.embeddings(embeddingModels);
        attempts.embeddings(embeddingModels);
        chains.contextWindows(fallbackRules::contextWindow);
        context.getRegistry().bind("embeddingsIngress", new dev.aigateway.embeddings.EmbeddingsIngress(
                new dev.aigateway.embeddings.EmbeddingRequests(parser.modelRoutes(),
                        settings.oneOf("gateway.unknown-fields", "reject", "drop")), chains, maxBodyBytes));
        // the request path's steps as processors (routes/*.yaml: process ref step.<bean>.<method>)
        Steps.bind(context.getRegistry());
        context.getRegistry().bind("httpIngress", new HttpIngress(parser, providers, chains, metrics, streams,
                settings.integer("gateway.max-body-bytes", 1, Integer.MAX_VALUE),
                // the client APIs over the chat chains, each named by its route's gatewayClientApi property
                java.util.List.of(new dev.aigateway.http.ChatCompletionsApi(), new dev.aigateway.messages.MessagesApi(),
                        new dev.aigateway.responses.ResponsesApi())));
        // the -ms names are a contract; like every duration they take 250ms/30s/2m, and reach camel-kafka as ms
        for (String key : List.of("gateway.kafka.session-timeout-ms", "gateway.kafka.batch-interval-ms")) {
            context.getPropertiesComponent().addOverrideProperty(key, String.valueOf(settings.duration(key, 1)));
        }
        // KafkaSetup parses these as plain numbers: a typo must fail here, named, not as a NumberFormatException
        for (String key : List.of("gateway.kafka.max-in-flight", "gateway.kafka.consumers", "gateway.kafka.partitions",
                "gateway.kafka.max-record-bytes", "gateway.kafka.max-redeliveries")) {
            settings.integer(key, 1, Integer.MAX_VALUE);
        }
        settings.integer("gateway.kafka.embedded.port", 0, 65535);
        // idempotent replies (KafkaSetup reads them as plain values): a typo fails here, named
        settings.bool("gateway.idempotency.enabled");
        settings.duration("gateway.idempotency.ttl", 1);
        settings.integer("gateway.idempotency.max-entries", 1, Integer.MAX_VALUE);
        settings.required("gateway.idempotency.topic");
        KafkaSetup.configure(context, required, property, parser, chains, metrics,
                settings.bool("gateway.kafka.enabled"));
        // issue 13: key usage summed over the instances (ai.key-usage), provider cooldowns on the health topic
        ClusterSharing.configure(context, settings, required, apiKeys, health);
        // issue 15: one record per request on gateway.request-log.topic, /admin/requests, /admin/usage, /admin/replay
        dev.aigateway.requestlog.RequestLogSetup.configure(context, settings, required, parser, chains, metrics);
    }

    private Providers buildProviders(CamelContext context, Function<String, String> property,
            Settings config) throws Exception {
        String mode = config.oneOf("gateway.simulator.mode", "auto", "on", "off");
        List<ProviderSettings> settings = new ArrayList<>();
        // provider.<p>.deployments=us,eu makes one Provider per deployment, named <p>.<d> (its breaker, health and
        // cooldown); its settings are provider.<p>.deployment.<d>.<key>, else provider.<p>.<key>
        Map<String, String> deploymentOf = new java.util.LinkedHashMap<>();
        Map<String, Integer> weightOf = new java.util.HashMap<>();
        Map<String, String> regionOf = new java.util.HashMap<>();
        // how each provider or deployment reads its own keys (a deployment's first): Bedrock's region
        Map<String, Function<String, String>> propertiesOf = new java.util.HashMap<>();
        for (String name : config.required("gateway.providers").split(",")) {
            if (name.isBlank()) {
                continue;
            }
            String provider = name.trim();
            if (!provider.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new SettingException("gateway.providers: '" + provider + "' is not a provider name (letters, digits, _ and -)");
            }
            String list = config.optional("provider." + provider + ".deployments");
            if (list == null || list.isBlank()) {
                settings.add(ProviderSettings.read(provider, property));
                propertiesOf.put(provider, property);
                deploymentOf.put(provider, provider);
                continue;
            }
            for (String d : list.split(",")) {
                String id = d.trim();
                if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                    throw new SettingException("provider." + provider + ".deployments: '" + id
                            + "' is not a deployment name (letters, digits, _ and -)");
                }
                String deployment = provider + "." + id;
                String own = "provider." + deployment + ".";
                String mine = "provider." + provider + ".deployment." + id + ".";
                Function<String, String> layered = key -> {
                    if (!key.startsWith(own)) {
                        return property.apply(key);
                    }
                    String rest = key.substring(own.length());
                    String v = property.apply(mine + rest);
                    return v != null ? v : property.apply("provider." + provider + "." + rest);
                };
                settings.add(ProviderSettings.read(deployment, layered));
                propertiesOf.put(deployment, layered);
                if (deploymentOf.put(deployment, provider) != null) {
                    throw new SettingException("provider." + provider + ".deployments names '" + id + "' twice");
                }
                weightOf.put(deployment, config.optional(mine + "weight") == null ? 1 : config.integer(mine + "weight", 1, 1000));
                regionOf.put(deployment, config.optional(mine + "region"));
            }
        }
        List<KeySource> credentials = new ArrayList<>();
        boolean anyKey = false;
        for (ProviderSettings s : settings) {
            KeySource credential = "bedrock".equals(s.api()) ? dev.aigateway.provider.AwsCredentialChain.standard(s.name())
                    : keySource(context, s.name(), property, Credential.of(s.apiKeyEnv(), s.apiKeyFile()));
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
            dev.aigateway.provider.ProviderAdapter adapter = Providers.adapterFor(s, propertiesOf.get(s.name()));
            String baseUrl = s.baseUrl();
            if (demo) {
                if (simulator == null) {
                    simulator = new ProviderSimulator(config.required("gateway.simulator.host"))
                            .start(config.integer("gateway.simulator.port", 0, 65535));
                }
                simulator.provider(s.name(), s.api(), config.duration("gateway.simulator.latency"),
                        config.duration("gateway.simulator.chunk-interval"))
                        .embeddingDimensions(dev.aigateway.embeddings.EmbeddingSettings.read(s.name(), property).dimensions());
                baseUrl = simulator.baseUrl(s.name());
                if (credential instanceof dev.aigateway.provider.AwsCredentialChain && !credential.present()) {
                    // the simulator checks a signature's form, not its secret: sign with placeholder credentials
                    credential = dev.aigateway.provider.AwsCredentialChain.placeholder(s.name());
                }
                LOG.info("Provider {} ({} API, model {}) is SIMULATED at {}: {}", s.name(), s.api(), s.model(),
                        baseUrl, credential.describe());
            } else if ("auto".equals(mode) && !credential.present() && !keyless(s, property)) {
                LOG.warn("Provider {} is DISABLED (no key): looked for {}; it is left out of every chain. Set it, or "
                        + "remove {} from gateway.providers", s.name(), lookedFor(s, credential), s.name());
                providers.add(new Provider(s, adapter, credential, baseUrl, false, "no key"));
                continue;
            } else {
                LOG.info("Provider {} ({} API, model {}) at {}, key from {}", s.name(), s.api(), s.model(), baseUrl,
                        credential.describe());
            }
            providers.add(new Provider(s, adapter, credential, baseUrl, demo));
        }
        deploymentOf.forEach((deployment, provider) -> providers.deployment(provider, deployment,
                weightOf.getOrDefault(deployment, 1), regionOf.get(deployment)));
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

    /** A provider configured with no key source at all (no api-key-env, -file, OAuth2): e.g. a local Ollama. */
    private static boolean keyless(ProviderSettings s, Function<String, String> property) {
        return s.apiKeyEnv() == null && s.apiKeyFile() == null && !"bedrock".equals(s.api())
                && blankToNull(property.apply("provider." + s.name() + ".oauth2.token-url")) == null;
    }

    /** Where a missing key was looked for, for the operator's WARN: the variable and file names, never a value. */
    private static String lookedFor(ProviderSettings s, KeySource credential) {
        if (credential instanceof dev.aigateway.provider.AwsCredentialChain) {
            return dev.aigateway.provider.AwsCredentialChain.LOOKED_FOR;
        }
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
        double refreshAt = new Settings(property).number("gateway.oauth2.refresh-at", "a share of the lifetime above 0, at most 1",
                v -> v > 0 && v <= 1);
        return new OAuth2Token(name, tokenUrl, blankToNull(property.apply(p + "client-id")),
                Credential.of(blankToNull(property.apply(p + "client-secret-env")),
                        blankToNull(property.apply(p + "client-secret-file"))),
                blankToNull(property.apply(p + "scope")), refreshAt,
                new Settings(property).duration("gateway.oauth2.timeout", 1), context.createProducerTemplate(),
                context.getExecutorServiceManager().newCachedThreadPool(context, "oauth2-" + name));
    }

    /** The API's platform-http endpoints (for the 404/405 bodies of dev.aigateway.http.UnservedPaths). */
    private static java.util.List<dev.aigateway.http.UnservedPaths.Endpoint> servedEndpoints(CamelContext ctx) {
        var component = ctx.getComponent("platform-http", org.apache.camel.component.platform.http.PlatformHttpComponent.class);
        java.util.List<dev.aigateway.http.UnservedPaths.Endpoint> out = new java.util.ArrayList<>();
        for (var e : new java.util.TreeSet<>(component.getHttpEndpoints())) {
            java.util.Set<String> verbs = e.getVerbs() == null || e.getVerbs().isBlank() ? java.util.Set.of()
                    : java.util.Set.of(e.getVerbs().split(","));
            out.add(new dev.aigateway.http.UnservedPaths.Endpoint(e.getUri(), verbs));
        }
        return out;
    }
}

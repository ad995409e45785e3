package dev.aigateway.chain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.StartupListener;
import org.apache.camel.model.CircuitBreakerDefinition;
import org.apache.camel.model.Model;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.SendDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.ModelRoutes;
import dev.aigateway.config.SettingException;
import dev.aigateway.request.GatewayRequest;

/**
 * Chains reload without waiting for the requests they are serving. Camel's own reload stops the old
 * route before starting the new one, so an edit would stall every new request behind the slowest LLM
 * call in flight. Instead each {@code routes/chain-<name>.yaml} is a route template: every load of it
 * starts a new route version ({@code direct:chain-<name>-<version>}), new requests go to the newest
 * version at once, and the previous version is stopped in the background once its in-flight requests
 * have finished. A chain naming a provider that is not configured is refused: at start-up the gateway
 * does not start, on a reload the previous version keeps serving.
 */
public final class LiveChains extends ModelLifecycleStrategySupport implements StartupListener {
    /** The endpoint of the chain version serving the request: routes/chat.yaml sends it there (a plain property, see GatewayRequest.PROPERTY). */
    public static final String ENDPOINT = "gatewayChainEndpoint";
    private static final Logger LOG = LoggerFactory.getLogger(LiveChains.class);
    static final String PREFIX = "chain-";
    private static final long RETIRE_GRACE_MS = 1_000;
    private static final String PROVIDER_ENDPOINT = "direct:provider-";
    /**
     * What a chat chain serves, as GET /v1/models lists it under "endpoints": the one place to add an endpoint
     * that runs on chat chains (the client APIs of http/ClientApi).
     */
    public static final List<String> CHAT_ENDPOINTS = List.of("chat.completions", "messages", "responses");
    /** The "endpoint" template parameter of a chain file that serves POST /v1/embeddings. */
    public static final String EMBEDDINGS = "embeddings";

    private final CamelContext context;
    private final Model model;
    private final Map<String, String> liveRoute = new ConcurrentHashMap<>();
    private final Map<String, RouteTemplateDefinition> pending = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();
    private final List<String> providers;
    private final ExecutorService activator;
    private final ExecutorService retirer;
    private volatile boolean started;
    private final java.util.concurrent.CountDownLatch live = new java.util.concurrent.CountDownLatch(1);
    private Tiers tiers;
    /**
     * Model alias -> chain, from each chain file's "models" template parameter (hot-reloaded with it); replaced
     * whole, so a request never sees a chain's aliases half moved.
     */
    private volatile Map<String, String> aliases = Map.of();
    /** Chain -> the file it was loaded from, to name both files when two declare the same model. */
    private final Map<String, String> sources = new ConcurrentHashMap<>();
    /** Chain -> the deployments its live version calls (GET /v1/models: its context window). */
    private final Map<String, List<String>> deploymentsOf = new ConcurrentHashMap<>();
    /** The chains whose live version serves embeddings (template parameter endpoint = embeddings). */
    private final java.util.Set<String> embeddingsChains = ConcurrentHashMap.newKeySet();
    private dev.aigateway.embeddings.EmbeddingModels embeddings;
    private java.util.function.ToLongFunction<String> contextWindow = name -> 0;

    /** Embeddings chains are checked against the providers' embedding settings (one dimension per chain). */
    public void embeddings(dev.aigateway.embeddings.EmbeddingModels embeddings) {
        this.embeddings = embeddings;
    }

    /** provider.&lt;name&gt;.context-window of a deployment (0: not configured), for GET /v1/models. */
    public void contextWindows(java.util.function.ToLongFunction<String> contextWindow) {
        this.contextWindow = contextWindow;
    }

    /** Chain files write their steps as {@code - to: tier:<deployments>} (see {@link Tiers}). */
    public void tiers(Tiers tiers) {
        this.tiers = tiers;
    }

    /** The chain a request's {@code model} selects, or null when no chain declares it. */
    public String chainForModel(String model) {
        return model == null ? null : aliases.get(model);
    }

    /** Every model alias a chain file declares, with its chain (as loaded now). */
    public Map<String, String> aliases() {
        return aliases;
    }

    /** @param providers the configured provider names (gateway.providers): the only ones a chain may name */
    public LiveChains(CamelContext context, Collection<String> providers) throws Exception {
        this.context = context;
        this.providers = List.copyOf(providers);
        this.model = context.getCamelContextExtension().getContextPlugin(Model.class);
        this.activator = context.getExecutorServiceManager().newSingleThreadExecutor(this, "chain-activator");
        this.retirer = context.getExecutorServiceManager().newCachedThreadPool(this, "chain-retirer");
        model.addModelLifecycleStrategy(this);
        context.addStartupListener(this);
    }

    /**
     * Points the request at the newest version of its chain (routes/chat.yaml follows {@link #ENDPOINT}); {@code reason}:
     * why this chain. An embeddings request must select an embeddings chain, any other request a chat chain: 400
     * wrong_endpoint naming the field that chose it.
     */
    public void select(Exchange exchange, GatewayRequest request, String chain, String reason) {
        boolean embeddingsChain = embeddingsChains.contains(chain);
        if (embeddingsChain != request.embeddings()) {
            String field = reason != null && (reason.equals("chain") || reason.equals("x-gateway-chain")) ? reason : "model";
            String chosen = reason != null && reason.startsWith("model=") ? "Model '" + reason.substring(6) + "'"
                    : "The " + field + " of this request";
            throw new dev.aigateway.api.GatewayException(400, "invalid_request_error", "wrong_endpoint", field,
                    chosen + " selects chain '" + chain + "', which serves " + (embeddingsChain
                            ? "embeddings: send it to POST /v1/embeddings, or name a chat model here"
                            : "chat, not embeddings: name an embeddings model (GET /v1/models lists each model's endpoints)"));
        }
        request.selectChain(chain, reason);
        exchange.setProperty(ENDPOINT, endpoint(chain));
    }

    /** The endpoint serving {@code chain} now, or null when no such chain is loaded. */
    public String endpoint(String chain) {
        String routeId = liveRoute.get(chain);
        if (routeId == null && !live()) {
            // the HTTP server and Kafka consumers start before the chains: no false unknown_chain
            try {
                live.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            routeId = liveRoute.get(chain);
        }
        return routeId == null ? null : "direct:" + routeId;
    }

    @Override
    public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
        String id = template.getId();
        if (id == null || !id.startsWith(PREFIX)) {
            return;
        }
        if (started) {
            activator.submit(() -> activate(template));
        } else {
            // thrown into route loading: the gateway does not start with a chain it could never serve
            expandTiers(template);
            checkProviders(template);
            boolean embed = checkEndpoint(template);
            checkAliases(template);
            publishEndpoint(id.substring(PREFIX.length()), embed, deployments(template));
            pending.put(id, template);
        }
    }

    @Override
    public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
        // routes may only be added once the context runs: see onCamelContextFullyStarted
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
        started = true;
        // each deployment (openai.us) gets its provider route from the "provider" template, like a provider
        for (String name : providers) {
            if (name.contains(".") && context.getRoute("provider-" + name) == null) {
                try {
                    model.addRouteFromTemplate("provider-" + name, "provider", Map.of("name", name));
                } catch (Exception e) {
                    throw new IllegalStateException("deployment route " + name + ": " + e.getMessage(), e);
                }
            }
        }
        pending.values().forEach(this::activate);
        pending.clear();
        live.countDown();
    }

    /** True once the chains read at start-up are live (the API and the Kafka consumers start a moment before). */
    public boolean live() {
        return live.getCount() == 0;
    }

    /** Named by routes/kafka-ingress.yaml: a batch polled at start-up waits for the chains instead of being refused. */
    public void awaitLive() throws InterruptedException {
        while (!live.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            LOG.warn("Kafka requests wait for the chains to go live");
        }
    }

    private void activate(RouteTemplateDefinition template) {
        String templateId = template.getId();
        String chain = templateId.substring(PREFIX.length());
        try {
            expandTiers(template);
            checkProviders(template);
            boolean embed = checkEndpoint(template);
            Map<String, String> models = checkAliases(template);
            awaitAdded(template);
            // the reload appended the edited template: only the newest may stay under this id. An editor's
            // non-atomic save reloads twice in a row: when a newer load of this file is already added, this one
            // is stale and the newer one (activated next) wins; it must not remove the newer one
            List<RouteTemplateDefinition> all = List.copyOf(model.getRouteTemplateDefinitions());
            int mine = -1;
            for (int i = 0; i < all.size(); i++) {
                mine = all.get(i) == template ? i : mine;
            }
            for (int i = mine + 1; i < all.size(); i++) {
                if (templateId.equals(all.get(i).getId())) {
                    LOG.debug("Chain {}: a newer load of {} follows; this one is skipped", chain, sourceOf(template));
                    return;
                }
            }
            if (mine < 0) {
                throw new IllegalStateException("the template was not added to the model");
            }
            for (RouteTemplateDefinition older : all.subList(0, mine)) {
                if (templateId.equals(older.getId())) {
                    model.removeRouteTemplateDefinition(older);
                }
            }
            long version = versions.incrementAndGet();
            String routeId = templateId + "-" + version;
            model.addRouteFromTemplate(routeId, templateId, Map.of("version", version));
            if (context.getRoute(routeId) == null) {
                throw new IllegalStateException("the template's route must start from direct:" + templateId
                        + "-{{version}}");
            }
            publishEndpoint(chain, embed, deployments(template));
            String previous = liveRoute.put(chain, routeId);
            publishAliases(chain, models);
            sources.put(chain, sourceOf(template));
            LOG.info("Chain {} is live as route {} ({})", chain, routeId, sourceOf(template));
            if (previous != null) {
                retirer.submit(() -> retire(chain, previous));
            }
        } catch (Exception e) {
            removeQuietly(templateId + "-" + versions.get());
            LOG.error("Chain {} from {} was REFUSED, the previous version keeps serving ({}): {}", chain,
                    sourceOf(template), liveRoute.getOrDefault(chain, "none"), e.getMessage());
        }
    }

    /**
     * Every provider the chain names ({@code circuitBreaker: <name>}, {@code to: direct:provider-<name>}) must be
     * configured. Camel alone lets a misspelled {@code direct:provider-<name>} through (each request reaching
     * it would fail), and refuses a misspelled breaker without saying it is a provider name.
     */
    void checkProviders(RouteTemplateDefinition template) {
        if (template.getRoute() == null) {
            return;
        }
        for (String name : providersNamed(template.getRoute().getOutputs(), new ArrayList<>())) {
            if (!name.contains("{{") && !providers.contains(name) && !Tiers.STEP_BREAKER.equals(name)) {
                throw new SettingException("Chain file " + sourceOf(template) + " names provider '" + name
                        + "', which is not configured; configured providers (gateway.providers): "
                        + String.join(", ", providers));
            }
        }
    }

    /**
     * The template parameter "endpoint" (its defaultValue): {@value #EMBEDDINGS} for a chain serving POST /v1/embeddings,
     * else (absent, or chat.completions) a chat chain. An embeddings chain must name only providers serving embeddings
     * of one dimension (EmbeddingModels.checkChain): else it is refused, with one line naming chain, providers and
     * dimensions.
     */
    private boolean checkEndpoint(RouteTemplateDefinition template) {
        String endpoint = null;
        for (var p : template.getTemplateParameters() == null ? List.<org.apache.camel.model.RouteTemplateParameterDefinition>of()
                : template.getTemplateParameters()) {
            if ("endpoint".equals(p.getName())) {
                endpoint = p.getDefaultValue() == null ? null : p.getDefaultValue().trim();
            }
        }
        if (endpoint == null || endpoint.isEmpty() || CHAT_ENDPOINTS.get(0).equals(endpoint)) {
            return false;
        }
        if (!EMBEDDINGS.equals(endpoint)) {
            throw new SettingException("Chain file " + sourceOf(template) + " has endpoint '" + endpoint + "': "
                    + EMBEDDINGS + " or " + CHAT_ENDPOINTS.get(0) + " (the default)");
        }
        if (embeddings != null) {
            try {
                embeddings.checkChain(template.getId().substring(PREFIX.length()), deployments(template));
            } catch (SettingException e) {
                throw new SettingException("Chain file " + sourceOf(template) + ": " + e.getMessage());
            }
        }
        return true;
    }

    /** The deployments a (tier-expanded) chain template calls, in chain order. */
    private List<String> deployments(RouteTemplateDefinition template) {
        if (template.getRoute() == null) {
            return List.of();
        }
        return providersNamed(template.getRoute().getOutputs(), new ArrayList<>()).stream()
                .filter(n -> !Tiers.STEP_BREAKER.equals(n) && !n.contains("{{")).distinct().toList();
    }

    private void publishEndpoint(String chain, boolean embed, List<String> deployments) {
        deploymentsOf.put(chain, deployments);
        if (embed) {
            embeddingsChains.add(chain);
        } else {
            embeddingsChains.remove(chain);
        }
    }

    /** True when the live version of {@code chain} serves embeddings. */
    public boolean servesEmbeddings(String chain) {
        return embeddingsChains.contains(chain);
    }

    /**
     * GET /v1/models: what the model selecting these chains serves ("endpoints") and its context window, the smallest
     * provider.&lt;p&gt;.context-window among the chains' providers (null when none is configured, and for an embeddings
     * model: a chat window says nothing about its input limit).
     */
    public void describe(List<String> chains, com.fasterxml.jackson.databind.node.ObjectNode model) {
        java.util.Set<String> endpoints = new java.util.LinkedHashSet<>();
        long window = Long.MAX_VALUE;
        for (String chain : chains) {
            if (embeddingsChains.contains(chain)) {
                endpoints.add(EMBEDDINGS);
                continue;
            }
            endpoints.addAll(CHAT_ENDPOINTS);
            for (String d : deploymentsOf.getOrDefault(chain, List.of())) {
                long w = contextWindow.applyAsLong(d);
                window = w > 0 ? Math.min(window, w) : window;
            }
        }
        if (window == Long.MAX_VALUE) {
            model.putNull("context_window");
        } else {
            model.put("context_window", window);
        }
        endpoints.forEach(model.putArray("endpoints")::add);
    }

    private static List<String> providersNamed(List<ProcessorDefinition<?>> steps, List<String> names) {
        if (steps == null) {
            return names;
        }
        for (ProcessorDefinition<?> step : steps) {
            if (step instanceof CircuitBreakerDefinition breaker) {
                if (breaker.getResilience4jConfiguration() != null
                        && breaker.getResilience4jConfiguration().getCircuitBreaker() != null) {
                    names.add(breaker.getResilience4jConfiguration().getCircuitBreaker().trim());
                }
                if (breaker.getOnFallback() != null) {
                    providersNamed(breaker.getOnFallback().getOutputs(), names);
                }
            } else if (step instanceof SendDefinition<?> send && send.getUri() != null
                    && send.getUri().startsWith(PROVIDER_ENDPOINT)) {
                String name = send.getUri().substring(PROVIDER_ENDPOINT.length());
                int query = name.indexOf('?');
                names.add(query < 0 ? name : name.substring(0, query));
            }
            providersNamed(step.getOutputs(), names); // a choice's outputs are its when/otherwise clauses
        }
        return names;
    }

    private void expandTiers(RouteTemplateDefinition template) {
        if (tiers != null && template.getRoute() != null) {
            try {
                tiers.expand(template.getRoute().getOutputs());
            } catch (SettingException e) {
                throw new SettingException("Chain file " + sourceOf(template) + " " + e.getMessage());
            }
        }
    }

    /**
     * The template parameter "models" (its defaultValue, comma separated) names the model aliases that select this
     * chain. Refused: an alias another chain already declares (a copied file keeps its original's models), the
     * reserved {@value ModelRoutes#AUTO}, and a name a client could not send as a model.
     */
    private Map<String, String> checkAliases(RouteTemplateDefinition template) {
        String chain = template.getId().substring(PREFIX.length());
        Map<String, String> mine = new java.util.LinkedHashMap<>();
        for (var p : template.getTemplateParameters() == null ? List.<org.apache.camel.model.RouteTemplateParameterDefinition>of()
                : template.getTemplateParameters()) {
            if (!"models".equals(p.getName()) || p.getDefaultValue() == null) {
                continue;
            }
            for (String alias : p.getDefaultValue().split(",")) {
                String a = alias.trim();
                if (a.isEmpty()) {
                    continue;
                }
                if (ModelRoutes.AUTO.equals(a) || !a.matches("[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}")) {
                    throw new SettingException("Chain file " + sourceOf(template) + " declares model '" + a + "': "
                            + (ModelRoutes.AUTO.equals(a) ? "'auto' is reserved (it selects gateway.default-chain)"
                                    : "a model name is letters, digits and . _ : / @ - (at most 128)"));
                }
                String other = aliases.get(a);
                if (other != null && !other.equals(chain)) {
                    throw new SettingException("Chain file " + sourceOf(template) + " declares model '" + a
                            + "', which chain " + other + " (" + sources.getOrDefault(other, "routes")
                            + ") already declares: give each chain file its own models");
                }
                mine.put(a, chain);
            }
        }
        if (!started) {
            publishAliases(chain, mine);
            sources.put(chain, sourceOf(template));
        }
        return mine;
    }

    private synchronized void publishAliases(String chain, Map<String, String> mine) {
        Map<String, String> next = new java.util.HashMap<>(aliases);
        next.values().removeIf(chain::equals);
        next.putAll(mine);
        aliases = Map.copyOf(next);
    }

    /** Stops an old version after its in-flight requests finish (graceful stop; nothing new enters it). */
    private void retire(String chain, String routeId) {
        try {
            // a request that picked the old endpoint a moment ago must have entered the route before it stops
            Thread.sleep(RETIRE_GRACE_MS);
            context.getRouteController().stopRoute(routeId);
            context.removeRoute(routeId);
            LOG.info("Chain {}: previous route {} retired after its requests finished", chain, routeId);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("Chain {}: could not retire route {}: {}", chain, routeId, e.getMessage());
        }
    }

    private void removeQuietly(String routeId) {
        try {
            if (context.getRoute(routeId) != null) {
                context.getRouteController().stopRoute(routeId);
                context.removeRoute(routeId);
            }
        } catch (Exception ignored) {
            // best effort: the failed version never served a request
        }
    }

    private void awaitAdded(RouteTemplateDefinition template) throws InterruptedException {
        // the model calls us just before it adds the template
        for (int i = 0; i < 500 && !model.getRouteTemplateDefinitions().contains(template); i++) {
            Thread.sleep(2);
        }
    }

    private static String sourceOf(RouteTemplateDefinition template) {
        return template.getResource() != null ? template.getResource().getLocation() : "routes";
    }
}

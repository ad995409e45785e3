package dev.aigateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;

/**
 * The gateway's own API keys ({@code gateway.auth.*}): who may call, which chains and models, how often
 * (requests per minute) and how much (USD per month), with each key's usage. The keys file is re-read
 * when it changes, so a key added or revoked there (or through the admin API / CLI) counts within a
 * second, without a restart. With Kafka on, usage is shared: budgets and rpm hold for the sum over every
 * instance, and a restart continues its counts ({@link KeyUsageTopic}); with Kafka off it is per instance, in
 * memory, and a restart starts the month at zero.
 */
public final class ApiKeys implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeys.class);

    private final boolean enabled;
    private final KeyFile file;
    private final GatewayMetrics metrics;
    private final Map<String, KeyUsage> usage = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watcher;
    private volatile Map<String, GatewayKey> bySha = Map.of();
    private volatile FileTime loadedModified;
    private volatile long loadedSize = -1;
    /** gateway.auth.budget-step-down: share of the monthly budget after which model auto takes the budget chain; 0: off */
    private volatile double budgetStepDown;
    /** The key-usage topic (Kafka on, keys on): the other instances' usage, and this one's restored. */
    private volatile KeyUsageTopic cluster;

    public ApiKeys(boolean enabled, KeyFile file, GatewayMetrics metrics, long reloadCheckMs) {
        this.enabled = enabled;
        this.file = file;
        this.metrics = metrics;
        reload();
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-keys-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, reloadCheckMs, reloadCheckMs, TimeUnit.MILLISECONDS);
        if (enabled) {
            LOG.info("Gateway API keys required: {} keys in {} ({} revoked)", bySha.size(), file.path(),
                    bySha.values().stream().filter(GatewayKey::revoked).count());
        }
    }

    /** @param share gateway.auth.budget-step-down, above 0 and below 1; 0 (or 1) turns the step-down off */
    public ApiKeys budgetStepDown(double share) {
        this.budgetStepDown = share > 0 && share < 1 ? share : 0;
        return this;
    }

    /** Shares usage with the other instances through the key-usage topic (started here, closed by the caller). */
    public ApiKeys shareUsage(KeyUsageTopic topic) {
        this.cluster = topic;
        topic.start(this);
        return this;
    }

    public boolean enabled() {
        return enabled;
    }

    public KeyFile file() {
        return file;
    }

    /**
     * First step of an ingress: the key of the request (HTTP {@code Authorization: Bearer}, Kafka record
     * header {@code api-key}) must be one of the file's, not revoked.
     */
    /** The client API whose key may come in x-api-key ({@code dev.aigateway.messages.MessagesApi#NAME}). */
    private static final String ANTHROPIC_API = "messages";

    public void authenticate(Exchange exchange, String ingress) {
        if (!enabled) {
            return;
        }
        String secret = "kafka".equals(ingress) ? header(exchange, "api-key") : bearer(header(exchange, "Authorization"));
        // the Anthropic SDKs send their key as x-api-key: on /v1/messages that header carries the gateway key
        boolean anthropic = ANTHROPIC_API.equals(exchange.getProperty(dev.aigateway.http.ClientApi.PROPERTY, String.class));
        if ((secret == null || secret.isBlank()) && anthropic) {
            secret = header(exchange, "x-api-key");
        }
        if (secret == null || secret.isBlank()) {
            throw new GatewayException(401, "invalid_request_error", "missing_api_key", null, "kafka".equals(ingress)
                    ? "Missing API key: send the record header api-key: <gateway key>"
                    : anthropic ? "Missing API key: send x-api-key: <gateway key> (or Authorization: Bearer <gateway key>)"
                    : "Missing API key: send Authorization: Bearer <gateway key>");
        }
        awaitUsage(ingress);
        GatewayKey key = bySha.get(KeyFile.sha256(secret.trim()));
        if (key == null) {
            throw new GatewayException(401, "invalid_request_error", "invalid_api_key", null,
                    "Incorrect API key provided: it is not a key of this gateway");
        }
        if (key.revoked()) {
            throw new GatewayException(401, "invalid_request_error", "invalid_api_key", null,
                    "This API key (" + key.id() + ") has been revoked");
        }
        GatewayRequest gateway = GatewayRequest.of(exchange);
        gateway.setKey(key);
        // read before the request is, so model auto can choose by it (past 100 %, admit refuses the request)
        gateway.setBudgetStepDown(budgetStepDown > 0 && key.monthlyBudgetUsd() > 0
                && spentThisMonth(key) >= budgetStepDown * key.monthlyBudgetUsd());
    }

    /** After the request is read: its chain must be allowed, and the key within its rate and budget. */
    public void admit(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        GatewayKey key = key(gateway);
        if (key == null) {
            return;
        }
        ChatRequest request = gateway.chatRequest();
        if (request != null && !key.allowsChain(request.chain())) {
            metrics.keyRequest(key.id(), "forbidden");
            throw new GatewayException(403, "permission_error", "chain_not_allowed", "chain",
                    "This API key may not use chain '" + request.chain() + "' (allowed: " + key.chains() + ")");
        }
        if (request != null) {
            key.checkLimits(request); // before the rate limiter: a refused request costs no permit
        }
        KeyUsage u = usage(key);
        KeyUsageTopic c = cluster;
        long waitMs = u.tryAcquire(key.rpm(), c == null ? KeyUsage.Totals.ZERO : c.others(key.id()),
                System.currentTimeMillis());
        if (waitMs >= 0) {
            metrics.keyRequest(key.id(), "rate_limited");
            long seconds = Math.max(1, (waitMs + 999) / 1000);
            throw new GatewayException(429, "requests", "rate_limit_exceeded", null,
                    "Rate limit of " + key.rpm() + " requests per minute reached for this API key (" + key.id()
                            + (c == null ? "" : ", over all instances") + "); retry after " + seconds + " s")
                    .retryAfter(seconds);
        }
        double spent = key.monthlyBudgetUsd() > 0 ? spentThisMonth(key) : 0;
        if (key.monthlyBudgetUsd() > 0 && spent >= key.monthlyBudgetUsd()) {
            metrics.keyRequest(key.id(), "over_budget");
            throw new GatewayException(429, "insufficient_quota", "insufficient_quota", null, String.format(Locale.ROOT,
                    "This API key (%s) has used its monthly budget of %.2f USD (spent %.4f USD in %s)", key.id(),
                    key.monthlyBudgetUsd(), spent, YearMonth.now(ZoneOffset.UTC))).noRetry();
        }
        gateway.admitted();
    }

    /** May {@code model} answer a request made with this exchange's key? (providers of other models are skipped) */
    public boolean allowsModel(Exchange exchange, String model) {
        GatewayKey key = key(GatewayRequest.of(exchange));
        return key == null || key.allowsModel(model);
    }

    /**
     * After the chain, and on the ingress routes' error paths: the request, its tokens and its cost go to the
     * key's account. Every part a provider streamed is charged — the answer that completed, a part that broke
     * and the part of the provider that continued it, an answer ended by a mid-stream failure, and one whose
     * client left — with tokens as reported, else estimated. Only an admitted request is charged, and only
     * once (a second call, e.g. from the error handler after a failed reply, does nothing).
     */
    public void account(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        GatewayKey key = key(gateway);
        if (key == null || !gateway.chargeOnce()) {
            return;
        }
        Object result = exchange.getMessage().getBody();
        AnswerStream answer = AnswerStream.of(gateway);
        AnswerStream.Usage used = answer == null ? null : answer.usage();
        long prompt = 0;
        long completion = 0;
        double cost = 0;
        boolean estimated = false;
        if (used != null && used.parts() > 0) {
            prompt = used.promptTokens();
            completion = used.completionTokens();
            cost = used.costUsd();
            estimated = used.estimated();
        } else if (result instanceof ChatResult r) {
            prompt = r.promptTokens();
            completion = r.completionTokens();
            cost = r.costUsd();
        }
        usage(key).add(prompt, completion, cost, estimated);
        metrics.keyUsage(key.id(), prompt, completion, cost);
        metrics.keyRequest(key.id(), result instanceof ChatResult ? "ok"
                : answer != null && answer.abandonedOutcome() != null ? answer.abandonedOutcome() : "failed");
    }

    /** GET /admin/keys: every key with its limits and usage, never a secret or hash. */
    public ObjectNode describe() {
        ObjectNode body = Json.object().put("enabled", enabled).put("file", file.path().toString());
        ArrayNode keys = body.putArray("keys");
        for (GatewayKey k : bySha.values()) {
            ObjectNode n = keys.addObject().put("id", k.id()).put("owner", k.owner()).put("revoked", k.revoked())
                    .put("rpm", k.rpm()).put("monthly_budget_usd", k.monthlyBudgetUsd()).put("created", k.created())
                    .put("max_tokens_limit", k.maxTokensLimit()).put("max_n", k.maxN());
            n.set("chains", Json.MAPPER.valueToTree(k.chains()));
            n.set("models", Json.MAPPER.valueToTree(k.models()));
            describeUsage(k, n.putObject("usage"));
        }
        return body;
    }

    /**
     * A key's usage over every instance (this one's live counts plus the others' last records), and this
     * instance's own under {@code this_instance}. With Kafka off both are this instance's.
     */
    private void describeUsage(GatewayKey k, ObjectNode n) {
        long now = System.currentTimeMillis();
        KeyUsage.Totals own = usage(k).totals(now);
        KeyUsageTopic c = cluster;
        KeyUsage.describe(c == null ? own : KeyUsage.sum(own, c.others(k.id())), n, now);
        n.put("scope", c == null ? "instance" : "cluster");
        if (c != null) {
            n.put("other_instances", c.otherInstances(k.id()));
        }
        KeyUsage.describe(own, n.putObject("this_instance").put("instance", c == null ? null : c.instance()), now);
    }

    /** This month's spend of the key: this instance's, plus the other instances' last records (Kafka on). */
    private double spentThisMonth(GatewayKey key) {
        double own = usage(key).spentThisMonth();
        KeyUsageTopic c = cluster;
        if (c == null) {
            return own;
        }
        KeyUsage.Totals others = c.others(key.id());
        return own + (YearMonth.now(ZoneOffset.UTC).equals(others.month()) ? others.monthCostUsd() : 0);
    }

    /**
     * Until this instance has read the key-usage topic to its end, it knows neither its own counts from before
     * a restart nor the others': HTTP gets 503 gateway_starting (retry in a second), a Kafka record waits.
     */
    private void awaitUsage(String ingress) {
        KeyUsageTopic c = cluster;
        if (c == null || c.restored()) {
            return;
        }
        if (!"kafka".equals(ingress)) {
            throw new GatewayException(503, "server_error", "gateway_starting", null,
                    "The gateway is starting (reading the key usage of the other instances); retry in a second")
                    .retryAfter(1);
        }
        try {
            if (!c.awaitRestored(60_000)) {
                // not the record's fault: it is consumed again (like a reply the broker did not take)
                throw new org.apache.kafka.common.KafkaException("key usage not yet read from the key-usage topic");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new org.apache.kafka.common.KafkaException("interrupted while waiting for the key usage");
        }
    }

    /** Every key's account on this instance (the key-usage topic publishes the changed ones). */
    java.util.Collection<KeyUsage> usages() {
        return usage.values();
    }

    /** This instance's counts from before its restart (its last records on the key-usage topic). */
    void restoreUsage(String keyId, KeyUsage.Totals totals, long now) {
        usage.computeIfAbsent(keyId, KeyUsage::new).restore(totals, now);
    }

    /** The key {@link #authenticate} put on the request (only this class puts one there). */
    private static GatewayKey key(GatewayRequest request) {
        return (GatewayKey) request.key();
    }

    private KeyUsage usage(GatewayKey key) {
        return usage.computeIfAbsent(key.id(), id -> new KeyUsage(id));
    }

    /** After the admin API wrote the keys file: this instance applies it at once (a revoke is not 500 ms late). */
    public void reloadNow() {
        reload();
    }

    private void reloadIfChanged() {
        try {
            FileTime modified = Files.exists(file.path()) ? Files.getLastModifiedTime(file.path()) : null;
            long size = modified == null ? -1 : Files.size(file.path());
            if (!java.util.Objects.equals(modified, loadedModified) || size != loadedSize) {
                reload();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot check the gateway keys file {}: {}", file.path(), e.getMessage());
        }
    }

    private synchronized void reload() {
        try {
            FileTime modified = Files.exists(file.path()) ? Files.getLastModifiedTime(file.path()) : null;
            long size = modified == null ? -1 : Files.size(file.path());
            List<GatewayKey> keys = file.read();
            Map<String, GatewayKey> next = keys.stream().collect(Collectors.toMap(GatewayKey::sha256,
                    Function.identity(), (a, b) -> b));
            boolean changed = loadedSize >= 0 || modified != null;
            bySha = next;
            loadedModified = modified;
            loadedSize = size;
            if (changed && enabled) {
                LOG.info("Gateway keys reloaded from {}: {} keys, {} revoked", file.path(), next.size(),
                        next.values().stream().filter(GatewayKey::revoked).count());
            }
        } catch (IOException | RuntimeException e) {
            // a half-edited or broken file: the keys read before stay in force
            LOG.error("Gateway keys file {} is not readable, keeping the previous {} keys: {}", file.path(),
                    bySha.size(), e.getMessage());
        }
    }

    private static String header(Exchange exchange, String name) {
        Object v = exchange.getMessage().getHeader(name);
        if (v instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return v == null ? null : v.toString();
    }

    private static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.trim();
        return a.regionMatches(true, 0, "Bearer ", 0, 7) ? a.substring(7).trim() : null;
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}

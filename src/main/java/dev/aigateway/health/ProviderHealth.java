package dev.aigateway.health;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;
import org.apache.camel.component.kafka.KafkaConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.chain.ProviderSkippedException;
import dev.aigateway.chain.Secrets;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;
import dev.aigateway.provider.UpstreamErrors;

/**
 * Named by routes/health.yaml: probes each provider (GET its models list), keeps the last result of
 * every provider — its own or another instance's, read back from the health topic — and lets the
 * chains skip a provider whose last probe failed until one succeeds.
 * <p>
 * The topic outlives instances and anyone may write to it, so a record read back only counts when it
 * is about what this instance calls: a configured provider (also its record key), the same
 * {@linkplain #fingerprint(String) fingerprint} (provider, base URL, model), and a timestamp neither
 * in the future nor older than health.max-age. Everything else is counted and dropped.
 * <p>
 * The topic also carries cooldowns a provider asked for (429 with Retry-After, exhausted quota), so the
 * other instances skip it too: records {@code "kind": "cooldown"} under record key
 * {@code cooldown:<provider>}, with the same fingerprint rule, never applied past
 * {@code gateway.shared-cooldown-max}, dropped once expired. They have no {@code healthy} field, so a
 * reader that knows only health results drops them as malformed instead of taking them for one.
 */
public class ProviderHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderHealth.class);
    private static final String PROVIDER = "gatewayProbedProvider";
    private static final String STARTED = "gatewayProbeStarted";
    /** provider.&lt;name&gt;.health-path value that probes with a 1-token completion instead of a GET. */
    public static final String COMPLETION = "completion";
    /** The error of a probe whose key was refused (401/403). */
    public static final String CREDENTIALS = "credentials";
    /** How far ahead of this clock a record's timestamp may be (clock skew between instances). */
    static final Duration FUTURE_SKEW = Duration.ofSeconds(5);
    private static final int MAX_TEXT = 300;
    private static final dev.aigateway.api.ChatRequest PING = new dev.aigateway.api.ChatRequest(
            (com.fasterxml.jackson.databind.node.ObjectNode) Json.object().put("max_tokens", 1)
                    .set("messages", Json.MAPPER.createArrayNode().add(Json.object().put("role", "user").put("content", "ping"))),
            "health", "health-probe", null);

    /** The last probe of a provider, by whichever instance made it. */
    public record Result(String provider, boolean healthy, long latencyMs, int status, String error, Instant timestamp,
            String instance, String fingerprint) {

        ObjectNode toJson() {
            return Json.object().put("provider", provider).put("healthy", healthy).put("latency_ms", latencyMs)
                    .put("status", status).put("error", error).put("timestamp", timestamp.toString())
                    .put("instance", instance).put("fingerprint", fingerprint);
        }

        /** A record from the topic; throws IllegalArgumentException when a required field is missing or mistyped. */
        static Result fromJson(JsonNode n) {
            if (n == null || !n.path("provider").isTextual() || !n.path("healthy").isBoolean()
                    || !n.path("timestamp").isTextual()) {
                throw new IllegalArgumentException("needs provider (text), healthy (boolean) and timestamp (text)");
            }
            return new Result(n.get("provider").asText(), n.get("healthy").asBoolean(), n.path("latency_ms").asLong(),
                    n.path("status").asInt(), clip(n.path("error").asText(null)),
                    Instant.parse(n.get("timestamp").asText()), clip(n.path("instance").asText("")),
                    n.path("fingerprint").asText(null));
        }
    }

    private final Providers providers;
    private final String instance;
    private final Map<String, Result> last = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;
    private final Cooldowns cooldowns;
    private final Duration maxAge;
    /** What this instance probes, per configured provider: records about anything else are ignored. */
    private final Map<String, String> fingerprints = new ConcurrentHashMap<>();
    /** Providers this instance has not probed yet: readiness waits for them. */
    private final Set<String> notYetProbed = ConcurrentHashMap.newKeySet();
    /** reason + provider pairs already logged once (bounded: reasons × configured providers). */
    private final Set<String> logged = ConcurrentHashMap.newKeySet();
    /** This run: its own cooldown records, read back, are not applied twice. */
    private final String origin = java.util.UUID.randomUUID().toString();
    /** Where cooldown records are sent (the health topic); null: Kafka off. */
    private volatile java.util.function.BiConsumer<byte[], byte[]> cooldownSender;
    /** The longest cooldown read from another instance is applied for (gateway.shared-cooldown-max). */
    private volatile long sharedCooldownMaxMs = Duration.ofMinutes(15).toMillis();

    /**
     * @param cooldowns where a probe's 429 sends the provider (the same cooldown live traffic uses)
     * @param maxAge    a record older than this (health.max-age) no longer says anything about the provider
     */
    public ProviderHealth(Providers providers, GatewayMetrics metrics, Cooldowns cooldowns, String instance,
            Duration maxAge) {
        this.metrics = metrics;
        this.providers = providers;
        this.cooldowns = cooldowns;
        this.maxAge = maxAge;
        this.instance = instance == null || instance.isBlank() ? hostName() : instance;
        for (Provider p : providers.all()) {
            fingerprints.put(p.name(), fingerprint(p));
            if (!p.isDisabled()) {
                notYetProbed.add(p.name()); // a disabled provider is never probed: readiness must not wait for it
            }
        }
    }

    /**
     * What a health record of {@code provider} is about: a short SHA-256 of the provider's name, the base URL
     * actually called (the vendor's or the simulator's) and the model — never the key.
     */
    public String fingerprint(String provider) {
        return fingerprints.get(provider);
    }

    private static String fingerprint(Provider p) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((p.name() + "\n" + p.baseUrl() + "\n"
                    + p.settings().model()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * With Kafka on: cooldowns this instance learns from providers go to the health topic through {@code sender}
     * (record key, value), and those read back from other instances are applied for at most {@code maxMs}.
     */
    public void shareCooldowns(java.util.function.BiConsumer<byte[], byte[]> sender, long maxMs) {
        this.sharedCooldownMaxMs = maxMs;
        this.cooldownSender = sender;
        cooldowns.share(this::publishCooldown);
    }

    /** A cooldown learnt here, as a health-topic record (never a key or an upstream body: provider, until, why). */
    void publishCooldown(String provider, long untilEpochMillis, String why) {
        java.util.function.BiConsumer<byte[], byte[]> sender = cooldownSender;
        String fp = fingerprints.get(provider);
        if (sender == null || fp == null) {
            return;
        }
        ObjectNode n = Json.object().put("kind", "cooldown").put("provider", provider)
                .put("until", Instant.ofEpochMilli(untilEpochMillis).toString()).put("reason", clip(why, 200))
                .put("timestamp", Instant.now().toString()).put("instance", instance).put("origin", origin)
                .put("fingerprint", fp);
        try {
            sender.accept(("cooldown:" + provider).getBytes(StandardCharsets.UTF_8), Json.MAPPER.writeValueAsBytes(n));
        } catch (Exception e) {
            LOG.warn("Cannot publish the cooldown of provider {} on the health topic: {}", provider, e.getMessage());
        }
    }

    /** A cooldown record from the health topic: applied when it is about what this instance calls, and current. */
    private void observedCooldown(JsonNode n, String recordKey) {
        String provider = n.path("provider").asText(null);
        String mine = provider == null ? null : fingerprints.get(provider);
        Instant now = Instant.now();
        Instant timestamp;
        Instant until;
        try {
            timestamp = Instant.parse(n.path("timestamp").asText());
            until = Instant.parse(n.path("until").asText());
        } catch (RuntimeException e) {
            ignored("malformed", null, "not a cooldown record (needs timestamp and until)");
            return;
        }
        if (origin.equals(n.path("origin").asText())) {
            return; // our own, applied when it was learnt
        }
        if (mine == null) {
            ignored("unknown_provider", null, "provider '" + clip(String.valueOf(provider), 64) + "' is not configured here");
        } else if (!("cooldown:" + provider).equals(recordKey)) {
            ignored("key_mismatch", provider, "its record key is not cooldown:<its provider>");
        } else if (!mine.equals(n.path("fingerprint").asText(null))) {
            ignored("fingerprint", provider, "its cooldown is about another target (fingerprint "
                    + clip(n.path("fingerprint").asText(null), 64) + ", here " + mine + ")");
        } else if (timestamp.isAfter(now.plus(FUTURE_SKEW))) {
            ignored("future_timestamp", provider, "timestamp " + timestamp + " is in the future");
        } else if (!until.isAfter(now)) {
            ignored("expired", provider, "its cooldown ended at " + until);
        } else {
            // never past the sane maximum, counted from when it was learnt (a wrong clock cannot stretch it)
            long until2 = Math.min(until.toEpochMilli(), Math.min(now.toEpochMilli(), timestamp.toEpochMilli())
                    + sharedCooldownMaxMs);
            cooldowns.adopt(provider, until2, "cooldown learnt by " + clip(n.path("instance").asText(""), 64)
                    + ": " + clip(n.path("reason").asText(""), 200));
        }
    }

    /** True once this instance has probed every provider once (readiness waits for it). */
    public boolean firstRoundDone() {
        return notYetProbed.isEmpty();
    }

    /** Providers this instance has not probed yet. */
    public Set<String> notYetProbed() {
        return Set.copyOf(notYetProbed);
    }

    /** Names of every provider to probe (the health route splits on this); a disabled one is never called. */
    public List<String> providerNames() {
        return providers.all().stream().filter(p -> !p.isDisabled()).map(Provider::name).toList();
    }

    /** Throws {@link ProviderSkippedException} while the provider's last probe failed. */
    public void check(String provider) {
        Result r = last.get(provider);
        if (r != null && !r.healthy() && !r.timestamp().isBefore(Instant.now().minus(maxAge))) {
            throw new ProviderSkippedException(provider, "unhealthy", "last health probe failed at " + r.timestamp()
                    + " (" + r.instance() + "): " + r.error());
        }
    }

    /** Prepares the probe request: the models list, with the provider's own credentials. */
    public void prepareProbe(Exchange exchange) throws java.io.IOException {
        String name = exchange.getMessage().getBody(String.class);
        Provider p = providers.get(name);
        // first: probeFailed needs them when the credential below cannot be had
        exchange.setProperty(PROVIDER, name);
        exchange.setProperty(STARTED, System.nanoTime());
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
        p.adapter().headers(p.credential().value()).forEach(m::setHeader);
        // provider.<name>.health-path, else the adapter's models path (Bedrock's runtime has none: "completion")
        String path = p.settings().healthPath() != null ? p.settings().healthPath() : p.adapter().modelsPath();
        if (COMPLETION.equals(path)) {
            // a 1-token completion: for vendors without a models list (costs a token per probe)
            m.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
            m.setHeader(Exchange.HTTP_URI, p.chatUrl());
            m.setHeader(Exchange.CONTENT_TYPE, "application/json");
            m.setBody(p.adapter().buildRequest(PING, p.settings(), false));
        } else {
            // provider.<name>.health-path: another path below the base URL instead of the models list
            m.setHeader(Exchange.HTTP_URI, p.baseUrl() + path);
            m.setBody(null);
        }
        // a signing API (Bedrock) signs the probe like a call: method, URL and the exact body
        byte[] sent = m.getBody() == null ? new byte[0] : m.getBody(byte[].class);
        p.adapter().sign(m.getHeader(Exchange.HTTP_METHOD).toString(), m.getHeader(Exchange.HTTP_URI, String.class), sent,
                p.credential()).forEach(m::setHeader);
    }

    /** The probe answered (any status): the body becomes the health record. */
    public void probeAnswered(Exchange exchange) throws Exception {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String name = exchange.getProperty(PROVIDER, String.class);
        if (status == 429) {
            // alive and busy: the live-traffic cooldown (Retry-After honoured), not a whole interval marked down
            long ms = UpstreamErrors.retryAfterMs(exchange.getMessage().getHeaders());
            if (ms > 0) {
                cooldowns.coolDownShared(name, ms, "health probe answered HTTP 429 with Retry-After");
            } else {
                ms = cooldowns.rateLimited(name);
            }
            record(exchange, true, status, "HTTP 429: rate limited, cooling down " + ms + " ms");
            return;
        }
        if (status == 401 || status == 403) {
            Result before = last.get(name);
            if (before == null || before.healthy() || !CREDENTIALS.equals(before.error())) {
                Provider p = providers.get(name);
                String variable = p.settings().apiKeyEnv() == null ? "(none set)" : p.settings().apiKeyEnv();
                LOG.warn("Provider {} refused the key of its health probe (HTTP {}): check the variable {} "
                        + "(provider.{}.api-key-env; key from {}); chains skip it until a probe succeeds", name, status,
                        variable, name, p.credential().describe());
            }
            record(exchange, false, status, CREDENTIALS);
            return;
        }
        boolean healthy = status >= 200 && status < 300;
        record(exchange, healthy, status, healthy ? null : "HTTP " + status);
    }

    /** The probe failed to connect or timed out. */
    public void probeFailed(Exchange exchange) throws Exception {
        Throwable e = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        String why = e == null ? "unknown" : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        record(exchange, false, 0, why);
    }

    /**
     * A health record from the topic (this instance's or another's): the newest result per provider wins,
     * once the record proves to be about what this instance calls. Never throws: a bad record is dropped.
     */
    public void observed(Exchange exchange) {
        Result r;
        try {
            JsonNode n = Json.MAPPER.readTree(exchange.getMessage().getBody(byte[].class));
            if (n != null && "cooldown".equals(n.path("kind").asText())) {
                observedCooldown(n, key(exchange));
                return;
            }
            r = Result.fromJson(n);
        } catch (Exception e) {
            ignored("malformed", null, "not a health record (" + e.getClass().getSimpleName() + ")");
            return;
        }
        String mine = fingerprints.get(r.provider());
        Instant now = Instant.now();
        if (mine == null) {
            ignored("unknown_provider", null, "provider '" + clip(r.provider(), 64) + "' is not configured here");
        } else if (!r.provider().equals(key(exchange))) {
            ignored("key_mismatch", r.provider(), "its record key is not its provider");
        } else if (!mine.equals(r.fingerprint())) {
            ignored("fingerprint", r.provider(), "it probed another target (fingerprint " + clip(r.fingerprint(), 64)
                    + ", here " + mine + "; an earlier run or another configuration)");
        } else if (r.timestamp().isAfter(now.plus(FUTURE_SKEW))) {
            ignored("future_timestamp", r.provider(), "timestamp " + r.timestamp() + " is in the future");
        } else if (r.timestamp().isBefore(now.minus(maxAge))) {
            ignored("too_old", r.provider(), "timestamp " + r.timestamp() + " is older than health.max-age (" + maxAge.toSeconds() + "s)");
        } else {
            remember(r);
        }
    }

    /** Counted (gateway_health_records_ignored_total{reason}); logged once per reason and provider, then DEBUG. */
    private void ignored(String reason, String provider, String why) {
        metrics.healthRecordIgnored(reason);
        boolean expected = "fingerprint".equals(reason) || "too_old".equals(reason) || "expired".equals(reason); // after a restart or a change
        if (logged.add(reason + "/" + provider)) {
            String line = "Health record for {} ignored ({}): {}" + (expected ? "" : "; who writes to the health topic?")
                    + " (once per reason and provider; counted in gateway_health_records_ignored_total)";
            if (expected) {
                LOG.info(line, provider == null ? "?" : provider, reason, why);
            } else {
                LOG.warn(line, provider == null ? "?" : provider, reason, why);
            }
        } else {
            LOG.debug("Health record for {} ignored ({}): {}", provider, reason, why);
        }
    }

    private static String key(Exchange exchange) {
        Object key = exchange.getMessage().getHeader(KafkaConstants.KEY);
        return key instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : key == null ? null : key.toString();
    }

    private static String clip(String text) {
        return clip(text, MAX_TEXT);
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
    }

    public Collection<Result> results() {
        return last.values();
    }

    private void record(Exchange exchange, boolean healthy, int status, String error) throws Exception {
        String name = exchange.getProperty(PROVIDER, String.class);
        long latency = (System.nanoTime() - exchange.getProperty(STARTED, Long.class)) / 1_000_000;
        Result r = new Result(name, healthy, latency, status, Secrets.mask(error), Instant.now(), instance,
                fingerprints.get(name));
        remember(r);
        notYetProbed.remove(name);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(KafkaConstants.KEY, name.getBytes(StandardCharsets.UTF_8));
        m.setBody(Json.MAPPER.writeValueAsBytes(r.toJson()));
    }

    private void remember(Result r) {
        Result[] previous = new Result[1];
        last.compute(r.provider(), (k, old) -> {
            previous[0] = old;
            return old != null && r.timestamp().isBefore(old.timestamp()) ? old : r;
        });
        Result old = previous[0];
        boolean newer = old == null || !r.timestamp().isBefore(old.timestamp());
        if (newer) {
            metrics.health(r.provider(), r.healthy(), r.latencyMs());
        }
        if (newer && (old == null ? !r.healthy() : old.healthy() != r.healthy())) {
            if (r.healthy()) {
                LOG.info("Provider {} passed its health probe ({}): back in the chains", r.provider(), r.instance());
            } else {
                LOG.warn("Provider {} failed its health probe ({}, seen by {}): chains skip it until a probe succeeds",
                        r.provider(), r.error(), r.instance());
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "gateway";
        }
    }
}

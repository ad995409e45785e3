package dev.aigateway.health;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
import dev.aigateway.chain.ProviderSkippedException;
import dev.aigateway.chain.Secrets;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;

/**
 * Named by routes/health.yaml: probes each provider (GET its models list), keeps the last result of
 * every provider — its own or another instance's, read back from the health topic — and lets the
 * chains skip a provider whose last probe failed until one succeeds.
 */
public class ProviderHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderHealth.class);
    private static final String PROVIDER = "gatewayProbedProvider";
    private static final String STARTED = "gatewayProbeStarted";
    /** provider.&lt;name&gt;.health-path value that probes with a 1-token completion instead of a GET. */
    public static final String COMPLETION = "completion";
    private static final dev.aigateway.api.ChatRequest PING = new dev.aigateway.api.ChatRequest(
            (com.fasterxml.jackson.databind.node.ObjectNode) Json.object().put("max_tokens", 1)
                    .set("messages", Json.MAPPER.createArrayNode().add(Json.object().put("role", "user").put("content", "ping"))),
            "health", "health-probe", null);

    /** The last probe of a provider, by whichever instance made it. */
    public record Result(String provider, boolean healthy, long latencyMs, int status, String error, Instant timestamp,
            String instance) {

        ObjectNode toJson() {
            return Json.object().put("provider", provider).put("healthy", healthy).put("latency_ms", latencyMs)
                    .put("status", status).put("error", error).put("timestamp", timestamp.toString())
                    .put("instance", instance);
        }

        static Result fromJson(JsonNode n) {
            return new Result(n.path("provider").asText(), n.path("healthy").asBoolean(), n.path("latency_ms").asLong(),
                    n.path("status").asInt(), n.path("error").asText(null), Instant.parse(n.path("timestamp").asText()),
                    n.path("instance").asText(""));
        }
    }

    private final Providers providers;
    private final String instance;
    private final Map<String, Result> last = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;

    public ProviderHealth(Providers providers, GatewayMetrics metrics, String instance) {
        this.metrics = metrics;
        this.providers = providers;
        this.instance = instance == null || instance.isBlank() ? hostName() : instance;
    }

    /** Names of every provider to probe (the health route splits on this); a disabled one is never called. */
    public List<String> providerNames() {
        return providers.all().stream().filter(p -> !p.isDisabled()).map(Provider::name).toList();
    }

    /** Throws {@link ProviderSkippedException} while the provider's last probe failed. */
    public void check(String provider) {
        Result r = last.get(provider);
        if (r != null && !r.healthy()) {
            throw new ProviderSkippedException(provider, "unhealthy", "last health probe failed at " + r.timestamp()
                    + " (" + r.instance() + "): " + r.error());
        }
    }

    /** Prepares the probe request: the models list, with the provider's own credentials. */
    public void prepareProbe(Exchange exchange) throws java.io.IOException {
        String name = exchange.getMessage().getBody(String.class);
        Provider p = providers.get(name);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_METHOD, HttpMethods.GET);
        p.adapter().headers(p.credential().value()).forEach(m::setHeader);
        if (COMPLETION.equals(p.settings().healthPath())) {
            // a 1-token completion: for vendors without a models list (costs a token per probe)
            m.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
            m.setHeader(Exchange.HTTP_URI, p.chatUrl());
            m.setHeader(Exchange.CONTENT_TYPE, "application/json");
            m.setBody(p.adapter().buildRequest(PING, p.settings(), false));
        } else {
            // provider.<name>.health-path: another path below the base URL instead of the models list
            String path = p.settings().healthPath() != null ? p.settings().healthPath() : p.adapter().modelsPath();
            m.setHeader(Exchange.HTTP_URI, p.baseUrl() + path);
            m.setBody(null);
        }
        exchange.setProperty(PROVIDER, name);
        exchange.setProperty(STARTED, System.nanoTime());
    }

    /** The probe answered (any status): the body becomes the health record. */
    public void probeAnswered(Exchange exchange) throws Exception {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        boolean healthy = status >= 200 && status < 300;
        record(exchange, healthy, status, healthy ? null : "HTTP " + status);
    }

    /** The probe failed to connect or timed out. */
    public void probeFailed(Exchange exchange) throws Exception {
        Throwable e = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        String why = e == null ? "unknown" : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        record(exchange, false, 0, why);
    }

    /** A health record from the topic (this instance's or another's): the newest result per provider wins. */
    public void observed(Exchange exchange) throws Exception {
        JsonNode n = Json.MAPPER.readTree(exchange.getMessage().getBody(byte[].class));
        remember(Result.fromJson(n));
    }

    public Collection<Result> results() {
        return last.values();
    }

    private void record(Exchange exchange, boolean healthy, int status, String error) throws Exception {
        String name = exchange.getProperty(PROVIDER, String.class);
        long latency = (System.nanoTime() - exchange.getProperty(STARTED, Long.class)) / 1_000_000;
        Result r = new Result(name, healthy, latency, status, Secrets.mask(error), Instant.now(), instance);
        remember(r);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(KafkaConstants.KEY, name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
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

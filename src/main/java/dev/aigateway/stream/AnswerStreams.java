package dev.aigateway.stream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.request.GatewayRequest;

/**
 * The stream.* settings and the one watchdog, and where each request's {@link AnswerStream} is opened:
 * by the HTTP ingress for {@code stream: true}, by routes/chat.yaml for every other request when
 * stream.internal is on.
 */
public final class AnswerStreams implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerStreams.class);

    private final StreamWatchdog watchdog = new StreamWatchdog(20);
    private final long firstTokenTimeoutMs;
    private final long idleTimeoutMs;
    private final MidStreamMode defaultMode;
    private final String instruction;
    private final boolean internal;
    private final GatewayMetrics metrics;
    private final Set<String> prefillRefused = ConcurrentHashMap.newKeySet();
    private final Set<String> badModes = ConcurrentHashMap.newKeySet();

    public AnswerStreams(long firstTokenTimeoutMs, long idleTimeoutMs, String defaultMode, String instruction,
            boolean internal, GatewayMetrics metrics) {
        this.firstTokenTimeoutMs = firstTokenTimeoutMs;
        this.idleTimeoutMs = idleTimeoutMs;
        this.defaultMode = MidStreamMode.parse(defaultMode);
        if (this.defaultMode == null) {
            throw new IllegalStateException("stream.mid-stream-failover must be continue, restart or fail; got " + defaultMode);
        }
        this.instruction = instruction;
        this.internal = internal;
        this.metrics = metrics;
    }

    /** routes/chat.yaml: a request that is not streamed to its client is still streamed from the provider. */
    public void open(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        ChatRequest request = gateway.chatRequest();
        // several choices are only collected whole: the stream logic follows one
        if (internal && gateway.answerStream() == null && request != null && !gateway.embeddings() && request.choices() == 1) {
            gateway.setAnswerStream(new AnswerStream(new AnswerCollector(), this));
        }
    }

    /** The HTTP ingress, for {@code stream: true}: chunks go to this request's own response, spelled by {@code dialect}. */
    public AnswerStream live(Exchange exchange, ChatRequest request, SseDialect dialect) {
        if (!(exchange.getIn() instanceof HttpMessage http)) {
            throw new IllegalStateException("stream: true needs the platform-http Vert.x engine");
        }
        HttpServerResponse response = http.getResponse();
        AnswerStream answer = new AnswerStream(new SseClient(response, dialect, request.requestId(), request.chain(),
                String.join(",", request.droppedFields()), idleTimeoutMs), this);
        GatewayRequest.of(exchange).setAnswerStream(answer);
        return answer;
    }

    /** The chain's mode (its midStreamFailover property), or the default; a typo is logged once, not fatal. */
    MidStreamMode mode(String chainMode) {
        if (chainMode == null) {
            return defaultMode;
        }
        MidStreamMode mode = MidStreamMode.parse(chainMode);
        if (mode == null) {
            if (badModes.add(chainMode)) {
                LOG.warn("midStreamFailover '{}' in a chain route is not continue, restart or fail: using {} "
                        + "(stream.mid-stream-failover)", chainMode, defaultMode.label());
            }
            return defaultMode;
        }
        return mode;
    }

    /** A provider refused an assistant prefill (newer Claude models): its continuations use the instruction form. */
    public void prefillRefused(String provider) {
        if (prefillRefused.add(provider)) {
            LOG.warn("Provider {} refused an assistant prefill; its continuations now use the continuation instruction "
                    + "(set provider.{}.assistant-prefill=false to start that way)", provider, provider);
        }
    }

    /** Forgets which providers refused a prefill (tests start each case clean). */
    public void forgetPrefillRefusals() {
        prefillRefused.clear();
    }

    public boolean prefillAllowed(String provider, boolean configured) {
        return configured && !prefillRefused.contains(provider);
    }

    public StreamWatchdog watchdog() {
        return watchdog;
    }

    public long firstTokenTimeoutMs() {
        return firstTokenTimeoutMs;
    }

    public long idleTimeoutMs() {
        return idleTimeoutMs;
    }

    String instruction() {
        return instruction;
    }

    GatewayMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        watchdog.close();
    }
}

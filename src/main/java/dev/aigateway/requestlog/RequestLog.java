package dev.aigateway.requestlog;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.AllProvidersFailed;
import dev.aigateway.api.Attempt;
import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.api.ProviderRejection;
import dev.aigateway.chain.Secrets;
import dev.aigateway.http.ClientApi;
import dev.aigateway.http.HttpIngress;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;

/**
 * The request log (docs/request-log.md): one record per request, from every ingress, written by the last
 * step of its route ({@link #record}). The request's own thread only takes a snapshot of what it already
 * holds; building the JSON, redacting and sending happen on one writer thread behind a bounded queue, so a
 * slow or absent broker never slows or fails a request: a record that cannot be queued or sent is counted
 * ({@code gateway_request_log_failures_total}) and logged at most once a minute.
 */
public final class RequestLog {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLog.class);
    /** Set on an exchange once its record was taken: an error after the last step does not log it twice. */
    public static final String LOGGED = "gatewayRequestLogged";
    /** Records waiting for the writer, at most: more are dropped (and counted) rather than held in memory. */
    static final int QUEUE = 10_000;

    /** Where finished records go: the request-log topic, or this instance's window when Kafka is off. */
    public interface Sink {
        void write(String requestId, ObjectNode record, byte[] json, Runnable failed);
    }

    private final boolean enabled;
    private final boolean bodies;
    private final Redactor redactor;
    private final Sink sink;
    private final ExecutorService writer;
    private final Counter failures;
    private final AtomicLong lastWarning = new AtomicLong();

    public RequestLog(boolean enabled, boolean bodies, Redactor redactor, Sink sink, MeterRegistry registry) {
        this.enabled = enabled;
        this.bodies = bodies;
        this.redactor = redactor;
        this.sink = sink;
        this.failures = Counter.builder("gateway.request.log.failures")
                .description("Request-log records not written (queue full, broker refused or unreachable)").register(registry);
        this.writer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "request-log-writer");
            t.setDaemon(true);
            return t;
        });
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean bodies() {
        return bodies;
    }

    /** The route step: takes this request's record (once) and queues it for the writer. Never throws. */
    public void record(Exchange exchange, String ingress) {
        if (!enabled || exchange.getProperty(LOGGED) != null) {
            return;
        }
        exchange.setProperty(LOGGED, Boolean.TRUE);
        try {
            Snapshot s = snapshot(exchange, ingress);
            writer.execute(() -> write(s));
        } catch (RejectedExecutionException e) {
            failed("the writer's queue of " + QUEUE + " records is full");
        } catch (RuntimeException e) {
            failed(e.toString());
        }
    }

    /** What a record holds, taken on the request's thread (cheap: references and numbers). */
    record Snapshot(String requestId, Instant time, String keyId, String ingress, String api, String chain, String model,
            String provider, String outcome, int status, long latencyMs, long promptTokens, long completionTokens,
            double costUsd, String finishReason, List<Attempt> attempts, GatewayRequest.Origin source, JsonNode request,
            String answer) {
    }

    Snapshot snapshot(Exchange exchange, String ingress) {
        GatewayRequest g = GatewayRequest.of(exchange);
        ChatRequest req = g.chatRequest();
        AttemptLog log = g.attempts();
        Object result = exchange.getMessage().getBody();
        AnswerStream answer = AnswerStream.of(g);
        int status;
        String outcome;
        String provider = null;
        String model = req == null ? null : req.body().path("model").asText(null);
        if (result instanceof ChatResult r) {
            status = 200;
            provider = r.provider();
            model = r.model();
        } else if (result instanceof ProviderRejection rejection) {
            status = rejection.status();
            provider = rejection.provider();
        } else if (result instanceof AllProvidersFailed failed) {
            status = failed.deadlineExceeded() ? 504 : failed.retryAfterMs() > 0 ? 429 : 503;
        } else {
            // the error path (after the response was written: its status), or another API's own result type
            Integer written = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            Throwable caught = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
            status = written != null ? written : caught instanceof GatewayException ge ? ge.status() : caught != null ? 500 : 200;
            result = null;
        }
        outcome = result != null ? HttpIngress.outcome(result, answer)
                : status < 400 ? "ok" : status >= 500 ? "error" : "rejected";
        long prompt = 0;
        long completion = 0;
        double cost = 0;
        AnswerStream.Usage used = answer == null ? null : answer.usage();
        if (used != null && used.parts() > 0) {
            prompt = used.promptTokens();
            completion = used.completionTokens();
            cost = used.costUsd();
        } else if (result instanceof ChatResult r) {
            prompt = r.promptTokens();
            completion = r.completionTokens();
            cost = r.costUsd();
        }
        String id = req != null ? req.requestId() : g.requestId() != null ? g.requestId() : UUID.randomUUID().toString();
        String api = g.embeddings() ? dev.aigateway.chain.LiveChains.EMBEDDINGS : exchange.getProperty(ClientApi.PROPERTY, String.class);
        JsonNode requestBody = bodies && req != null ? req.body().deepCopy() : null;
        String answerText = bodies && result instanceof ChatResult r
                ? r.completion().path("choices").path(0).path("message").path("content").asText(null) : null;
        return new Snapshot(id, Instant.now(), g.key() == null ? null : g.key().id(), ingress,
                api != null ? api : "chat.completions", req != null ? req.chain() : g.chain(), model, provider, outcome,
                status, log == null ? 0 : log.elapsedMs(), prompt, completion, cost,
                result instanceof ChatResult r ? r.finishReason() : null,
                log == null ? List.of() : List.copyOf(log.attempts()), g.origin(), requestBody, answerText);
    }

    private void write(Snapshot s) {
        try {
            ObjectNode record = toJson(s);
            sink.write(s.requestId(), record, Json.MAPPER.writeValueAsBytes(record), () -> failed("the broker did not take it"));
        } catch (Exception e) {
            failed(e.toString());
        }
    }

    /** The record as the contract spells it (docs/request-log.md "Record fields"). */
    ObjectNode toJson(Snapshot s) {
        ObjectNode r = Json.object();
        r.put("request_id", s.requestId()).put("time", s.time().toString()).put("key_id", s.keyId())
                .put("ingress", s.ingress()).put("api", s.api()).put("chain", s.chain()).put("model", s.model())
                .put("provider", s.provider()).put("outcome", s.outcome()).put("status", s.status())
                .put("latency_ms", s.latencyMs()).put("prompt_tokens", s.promptTokens())
                .put("completion_tokens", s.completionTokens()).put("cost_usd", s.costUsd())
                .put("finish_reason", s.finishReason());
        var attempts = r.putArray("attempts");
        for (Attempt a : s.attempts()) {
            attempts.addObject().put("provider", a.provider()).put("outcome", a.outcome()).put("status", a.status())
                    .put("latency_ms", a.latencyMs()).put("error", Secrets.mask(a.error()));
        }
        if (s.source() != null) {
            r.putObject("source").put("topic", s.source().topic())
                    .put("partition", s.source().partition() == null ? null : Integer.valueOf(s.source().partition().toString()))
                    .put("offset", s.source().offset() == null ? null : Long.valueOf(s.source().offset().toString()));
        }
        r.put("replayable", s.request() != null || s.source() != null);
        if (s.request() != null) {
            r.set("request", redactor.redact(s.request()));
        }
        if (s.answer() != null) {
            r.put("answer", redactor.redact(s.answer()));
        }
        return r;
    }

    private void failed(String why) {
        failures.increment();
        long now = System.currentTimeMillis();
        long last = lastWarning.get();
        if (now - last >= 60_000 && lastWarning.compareAndSet(last, now)) {
            LOG.warn("A request-log record was not written ({}); requests are served as usual. Counted in "
                    + "gateway_request_log_failures_total; this line repeats at most once a minute", Secrets.mask(why));
        }
    }

    /** Stops the writer, letting it send what is queued for up to {@code waitMs}. */
    public void close(long waitMs) {
        writer.shutdown();
        try {
            writer.awaitTermination(waitMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.aigateway.simulator;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;

/**
 * Local stand-ins for real providers, in their real wire formats (OpenAI chat completions, Anthropic
 * messages, both whole and streamed with {@code "stream": true}), with faults switchable at run time.
 * Non-blocking (Vert.x timers), so a slow simulated provider can hold thousands of calls at once. Used by the
 * embedded default and by the tests.
 *
 * <pre>
 *   POST /&lt;name&gt;/v1/chat/completions   (api openai)      GET /&lt;name&gt;/v1/models
 *   POST /&lt;name&gt;/v1/messages           (api anthropic)   GET|PUT /_sim/&lt;name&gt;, POST /_sim/&lt;name&gt;/reset
 *   POST /&lt;name&gt;/v1beta/models/&lt;model&gt;:generateContent | :streamGenerateContent?alt=sse   (api gemini)
 *   POST /&lt;name&gt;/model/&lt;modelId&gt;/converse | /converse-stream (api bedrock: AWS event-stream frames; a call
 *        without a SigV4 Authorization header gets 403)             GET /&lt;name&gt;/v1beta/models (gemini)
 * </pre>
 *
 * The answer ({@link SimulatedAnswer}) says who answered and echoes the last user message; it calls the first
 * tool when tools are offered, and continues a cut simulated answer (prefill, or assistant + "continue"),
 * so a failover mid-stream reproduces the first provider's full text. Streams go out one word every
 * {@code chunk_ms} after {@code latency_ms} ({@link SseAnswer}). Usage is reported where each vendor reports it
 * (the {@code usage} field; OpenAI's final chunk with {@code stream_options.include_usage}; Anthropic's
 * {@code message_start} and {@code message_delta}), counted by {@link SimulatedUsage}, never per streamed piece.
 *
 * <p>Fault modes ({@link Faults}; each hits a share {@code rate} of the calls):
 * <ul>
 * <li>before any answer, streamed or not: {@code error} (HTTP {@code status}), {@code rate-limit} (429, optional
 *     Retry-After), {@code quota} (429 insufficient_quota), {@code overloaded} (503, Anthropic 529),
 *     {@code bad-request} (400), {@code drop} (connection closed), {@code hang} (no answer ever),
 *     {@code garbage} (200 with broken JSON), {@code reply} (HTTP {@code status} with the JSON {@code body} given,
 *     e.g. a recorded provider error or a refusal);</li>
 * <li>inside a stream, after HTTP 200 and {@code after_chunks} content pieces: {@code cut} (connection closed
 *     mid-body), {@code truncate} (body ends cleanly without the end of the answer), {@code stall} (nothing
 *     more, connection held open), {@code malformed} (a broken event), {@code error-event} (the API's in-band
 *     error event). Without streaming they act as drop, hang, garbage, garbage and HTTP 500.</li>
 * <li>{@code no-prefill}: a model that refuses a conversation ending with an assistant turn (400), as
 *     Claude Sonnet/Opus 4.6 do; everything else is answered.</li>
 * </ul>
 */
public final class ProviderSimulator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProviderSimulator.class);
    /** Stream faults on a call that does not stream: the nearest whole-answer fault. */
    private static final Map<String, String> UNSTREAMED = Map.of("cut", "drop", "stall", "hang", "malformed", "garbage",
            "truncate", "garbage", "error-event", "server-error");

    private final Vertx vertx;
    private final Map<String, Simulated> providers = new ConcurrentHashMap<>();
    /** The OAuth2 token endpoint (POST /_oauth/token): tokens sim-token-1, -2, … valid tokenTtlSeconds. */
    private final AtomicLong tokenCalls = new AtomicLong();
    private volatile long tokenTtlSeconds = 3600;
    /** Token requests received, answered or not, and the token endpoint's fault: null, hang or error (HTTP 503). */
    private final AtomicLong tokenRequests = new AtomicLong();
    private volatile String tokenFault;
    private final String host;
    private HttpServer server;
    /** Per prompt while {@link #trackPrompts()} is on (tests): chat calls, and the providers that answered it whole. */
    private volatile Map<String, AtomicLong> callsByPrompt;
    private volatile Map<String, List<String>> completedByPrompt;

    /** Token counts as a provider reports them. */
    public record Usage(long prompt, long completion) {
    }

    /** A simulated provider: its API, call count and current faults. */
    public static final class Simulated {
        private final String name;
        private final String api;
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong probes = new AtomicLong();
        private final AtomicLong inFlight = new AtomicLong();
        private final AtomicLong maxInFlight = new AtomicLong();
        private final AtomicLong streams = new AtomicLong();
        private final long defaultLatencyMs;
        private final long defaultChunkMs;
        private volatile Faults faults;
        private volatile java.util.concurrent.atomic.AtomicInteger faultsLeft;
        private final java.util.List<Long> callNanos = new java.util.concurrent.CopyOnWriteArrayList<>();
        private volatile String lastCredential;
        private volatile String requiredCredential;
        private volatile JsonNode lastRequest;
        /** The last chat call's headers (lower-case names) and exact body bytes: tests verify a SigV4 signature. */
        private volatile Map<String, String> lastHeaders = Map.of();
        private volatile byte[] lastBody;
        private volatile String lastTarget;
        /** What fault mode "reply" answers (admin JSON {@code body}), with the fault's status. */
        private volatile JsonNode replyBody;
        private volatile String lastAnswer;
        private volatile Usage lastUsage;
        /** Length of the vectors /v1/embeddings answers when the request names no dimensions (0: 1536). */
        private volatile int embeddingDimensions;
        private final AtomicLong embeddingCalls = new AtomicLong();

        Simulated(String name, String api, long latencyMs, long chunkMs) {
            this.name = name;
            this.api = api;
            this.defaultLatencyMs = latencyMs;
            this.defaultChunkMs = chunkMs;
            this.faults = Faults.none(latencyMs).withChunkMs(chunkMs);
        }

        public long calls() {
            return calls.get();
        }

        /** The vectors' length when a request names no dimensions (an embedding model's native size). */
        public Simulated embeddingDimensions(int dimensions) {
            this.embeddingDimensions = dimensions;
            return this;
        }

        /** Embeddings calls since the last reset (also counted in {@link #calls()}). */
        public long embeddingCalls() {
            return embeddingCalls.get();
        }

        public Faults faults() {
            return faults;
        }

        /** The Authorization or x-api-key header of the last call (tests check keys arrive, and nowhere else). */
        /**
         * Only calls carrying exactly this Authorization / x-api-key value are answered; others get 401 (a
         * rotated key). Null: any. Admin JSON {@code "require_key"}.
         */
        public void requireCredential(String credential) {
            this.requiredCredential = credential;
        }

        public String lastCredential() {
            return lastCredential;
        }

        /** GET /v1/models calls (health probes) since the last reset. */
        public long probes() {
            return probes.get();
        }

        /** Most calls this provider held at the same time since the last reset. */
        public long maxInFlight() {
            return maxInFlight.get();
        }

        /** Calls held right now (a stalled stream counts until its client closes the connection). */
        public long inFlight() {
            return inFlight.get();
        }

        /** Chat calls since the last reset that asked for a stream ({@code "stream": true}), whatever fault followed. */
        public long streams() {
            return streams.get();
        }

        /** The body of the last chat call (null before any, or when it was not JSON), in the provider's own API. */
        public JsonNode lastRequest() {
            return lastRequest;
        }

        /** The headers of the last chat call, names in lower case. */
        public Map<String, String> lastHeaders() {
            return lastHeaders;
        }

        /** The exact bytes of the last chat call's body (null before any). */
        public byte[] lastBody() {
            return lastBody;
        }

        /** The method and path (with its query) of the last chat call, as received. */
        public String lastTarget() {
            return lastTarget;
        }

        /**
         * The whole text of the last answer given or begun (also when a stream fault cut it short): for a
         * continuation only the remainder, for a tool call its JSON arguments. Calls failed before answering
         * leave it unchanged.
         */
        public String lastAnswer() {
            return lastAnswer;
        }

        /**
         * The usage ({@link SimulatedUsage}) of the last answer given or begun: what this provider reports when
         * the answer completes (a cut stream never reports it). Null before any.
         */
        public Usage lastUsage() {
            return lastUsage;
        }

        public void faults(Faults f) {
            this.faults = f;
            this.faultsLeft = null;
        }

        /** {@code f} strikes the next {@code calls} chat calls only; later ones answer (fail N times, then succeed). */
        public void faults(Faults f, int calls) {
            this.faults = f;
            this.faultsLeft = new java.util.concurrent.atomic.AtomicInteger(calls);
        }

        /** When each chat call since the last reset arrived (System.nanoTime), in order. */
        public java.util.List<Long> callNanos() {
            return java.util.List.copyOf(callNanos);
        }

        /** True when the faults may strike this call (none left of a limited number: false). */
        boolean faultAllowed() {
            java.util.concurrent.atomic.AtomicInteger left = faultsLeft;
            return left == null || left.getAndDecrement() > 0;
        }

        /** From now on every chat call gets this status and body (fault mode "reply"): a recorded error, a refusal. */
        public void reply(int status, JsonNode body) {
            this.replyBody = body;
            this.faults = Faults.of("reply").withStatus(status).withLatency(defaultLatencyMs);
        }

        public void reset() {
            calls.set(0);
            callNanos.clear();
            faultsLeft = null;
            probes.set(0);
            streams.set(0);
            embeddingCalls.set(0);
            maxInFlight.set(inFlight.get());
            lastRequest = null;
            lastAnswer = null;
            lastUsage = null;
            faults = Faults.none(defaultLatencyMs).withChunkMs(defaultChunkMs);
            requiredCredential = null;
        }

        ObjectNode toJson() {
            ObjectNode n = faults.toJson();
            n.put("provider", name).put("api", api).put("calls", calls.get()).put("streams", streams.get())
                    .put("in_flight", inFlight.get()).put("max_in_flight", maxInFlight.get());
            return n;
        }
    }

    public ProviderSimulator(String host) {
        this.host = host;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    }

    /** Adds (or returns) a simulated provider at /&lt;name&gt;; its streams send a chunk every {@link Faults#DEFAULT_CHUNK_MS}. */
    public Simulated provider(String name, String api, long latencyMs) {
        return provider(name, api, latencyMs, Faults.DEFAULT_CHUNK_MS);
    }

    /** Adds (or returns) a simulated provider at /&lt;name&gt; with its answer time and pause between stream chunks. */
    public Simulated provider(String name, String api, long latencyMs, long chunkMs) {
        return providers.computeIfAbsent(name, n -> new Simulated(n, api, latencyMs, chunkMs));
    }

    public Simulated provider(String name) {
        Simulated s = providers.get(name);
        if (s == null) {
            throw new IllegalArgumentException("not simulated: " + name);
        }
        return s;
    }

    /** Base URL the gateway calls, written as the vendor SDKs write theirs. */
    public String baseUrl(String name) {
        String reachable = "0.0.0.0".equals(host) ? "127.0.0.1" : host;
        String root = "http://" + reachable + ":" + port() + "/" + name;
        return switch (provider(name).api) {
            case "anthropic", "bedrock" -> root;
            case "gemini" -> root + "/v1beta";
            default -> root + "/v1";
        };
    }

    public ProviderSimulator start(int port) {
        CompletableFuture<HttpServer> started = new CompletableFuture<>();
        vertx.createHttpServer().requestHandler(this::handle).listen(port, host).onComplete(ar -> {
            if (ar.succeeded()) {
                started.complete(ar.result());
            } else {
                started.completeExceptionally(ar.cause());
            }
        });
        try {
            server = started.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("Provider simulator could not listen on " + host + ":" + port
                    + " (gateway.simulator.port): " + e.getMessage(), e);
        }
        return this;
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("simulator close", e);
        }
    }

    private void handle(HttpServerRequest req) {
        String[] parts = req.path().split("/", 3);
        if (parts.length < 2) {
            send(req.response(), 404, Json.object().put("error", "not found"));
            return;
        }
        if ("_oauth".equals(parts[1])) {
            req.body().onSuccess(body -> token(req, body));
            return;
        }
        if ("_sim".equals(parts[1])) {
            req.body().onSuccess(body -> admin(req, parts.length > 2 ? parts[2] : "", body));
            return;
        }
        Simulated sim = providers.get(parts[1]);
        String rest = parts.length > 2 ? "/" + parts[2] : "";
        if (sim == null) {
            send(req.response(), 404, error(null, "not_found_error", "no simulated provider '" + parts[1] + "'"));
            return;
        }
        if ("GET".equals(req.method().name()) && ("gemini".equals(sim.api) ? "/v1beta/models" : "/v1/models").equals(rest)) {
            sim.probes.incrementAndGet();
            Faults f = sim.faults;
            // an outage takes the whole API down, health probes included; request-level faults do not
            boolean down = List.of("error", "overloaded", "drop", "hang").contains(f.mode())
                    && ThreadLocalRandom.current().nextDouble() < f.rate();
            later(f.latencyMs(), () -> {
                if (!down) {
                    send(req.response(), 200, "gemini".equals(sim.api) ? geminiModels(sim) : modelsList(sim));
                } else if ("drop".equals(f.mode())) {
                    req.connection().close();
                } else if (!"hang".equals(f.mode())) {
                    if (f.retryAfterSec() >= 0) {
                        req.response().putHeader("retry-after", String.valueOf(f.retryAfterSec())); // a busy API (429)
                    }
                    send(req.response(), "overloaded".equals(f.mode()) ? 529 : f.status(), error(sim, "api_error", "down (simulated)"));
                }
            });
            return;
        }
        NativeWire.Call nativeCall = switch (sim.api) {
            case "gemini" -> NativeWire.gemini(rest);
            case "bedrock" -> NativeWire.bedrock(rest);
            default -> null;
        };
        boolean chat = switch (sim.api) {
            case "openai" -> "/v1/chat/completions".equals(rest);
            case "anthropic" -> "/v1/messages".equals(rest);
            default -> nativeCall != null;
        };
        // OpenAI-wire providers also serve embeddings, with the same faults as chat
        boolean embeddings = "openai".equals(sim.api) && "/v1/embeddings".equals(rest);
        if (!chat && !embeddings || !"POST".equals(req.method().name())) {
            send(req.response(), 404, error(sim, "not_found_error", "unknown path " + req.path()));
            return;
        }
        req.body().onSuccess(body -> {
            sim.calls.incrementAndGet();
            if (embeddings) {
                sim.embeddingCalls.incrementAndGet();
            }
            sim.callNanos.add(System.nanoTime());
            String key = req.getHeader("authorization") != null ? req.getHeader("authorization")
                    : req.getHeader("x-api-key") != null ? req.getHeader("x-api-key") : req.getHeader("x-goog-api-key");
            sim.lastCredential = key;
            Map<String, String> headers = new java.util.LinkedHashMap<>();
            req.headers().forEach(h -> headers.put(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
            sim.lastHeaders = headers;
            sim.lastBody = body.getBytes();
            sim.lastTarget = req.method().name() + " " + req.uri();
            sim.maxInFlight.accumulateAndGet(sim.inFlight.incrementAndGet(), Math::max);
            AtomicBoolean open = new AtomicBoolean(true);
            Runnable release = () -> {
                if (open.compareAndSet(true, false)) {
                    sim.inFlight.decrementAndGet();
                }
            };
            req.response().endHandler(v -> release.run());
            req.response().closeHandler(v -> release.run());
            JsonNode wire = parse(body);
            sim.lastRequest = wire;
            // Gemini and Bedrock requests are read as the chat view the answer and the usage are made from
            JsonNode request = wire == null || nativeCall == null ? wire : "gemini".equals(sim.api)
                    ? NativeWire.geminiChat(wire, nativeCall) : NativeWire.bedrockChat(wire, nativeCall);
            Map<String, AtomicLong> tracked = callsByPrompt;
            if (tracked != null) {
                tracked.computeIfAbsent(promptKey(request), k -> new AtomicLong()).incrementAndGet();
            }
            boolean stream = request != null && request.path("stream").asBoolean(false);
            if (stream) {
                sim.streams.incrementAndGet();
            }
            Faults f = sim.faults;
            boolean faulty = !"none".equals(f.mode()) && ThreadLocalRandom.current().nextDouble() < f.rate()
                    && sim.faultAllowed();
            later(f.latencyMs(), () -> {
                try {
                    if (embeddings) {
                        embed(req, sim, f, faulty ? f.mode() : null, request);
                    } else {
                        answer(req, sim, f, faulty ? f.mode() : null, request, stream);
                    }
                } catch (RuntimeException e) {
                    // a simulator bug must not look like a hanging provider
                    LOG.warn("Simulated provider {} failed to answer", sim.name, e);
                    if (!req.response().headWritten()) {
                        send(req.response(), 500, error(sim, "api_error", "simulator bug: " + e));
                    } else {
                        req.connection().close();
                    }
                }
            });
        });
    }

    /**
     * An embeddings answer: per input a deterministic unit vector (seeded by provider and input, so two providers
     * give different vectors for the same text) of the request's dimensions, else the provider's configured length.
     * The faults are chat's (stream faults strike as their whole-answer kin).
     */
    private void embed(HttpServerRequest req, Simulated sim, Faults f, String fault, JsonNode request) {
        HttpServerResponse res = req.response();
        if (res.closed()) {
            return;
        }
        if (fault != null) {
            beforeAnswer(req, sim, f, UNSTREAMED.getOrDefault(fault, fault));
            return;
        }
        JsonNode input = request == null ? null : request.get("input");
        if (input == null || input.isNull() || input.isArray() && input.isEmpty()) {
            send(res, 400, error(sim, "invalid_request_error", "'input' is required"));
            return;
        }
        int dims = request.path("dimensions").asInt(sim.embeddingDimensions > 0 ? sim.embeddingDimensions : 1536);
        List<String> items = new java.util.ArrayList<>();
        if (input.isTextual() || input.isArray() && input.get(0).isIntegralNumber()) {
            items.add(input.toString());
        } else {
            input.forEach(i -> items.add(i.toString()));
        }
        ObjectNode body = Json.object().put("object", "list");
        com.fasterxml.jackson.databind.node.ArrayNode data = body.putArray("data");
        long tokens = 0;
        for (int i = 0; i < items.size(); i++) {
            com.fasterxml.jackson.databind.node.ArrayNode v = data.addObject().put("object", "embedding").put("index", i)
                    .putArray("embedding");
            for (float x : simulatedVector(sim.name, items.get(i), dims)) {
                v.add(x);
            }
            tokens += Math.max(1, items.get(i).length() / 4);
        }
        body.put("model", request.path("model").asText("sim-embedding"));
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        sim.lastUsage = new Usage(tokens, 0);
        send(res, 200, body);
    }

    /** The vector the simulated {@code provider} gives {@code input}: unit length, the same on every call. */
    public static float[] simulatedVector(String provider, String input, int dims) {
        java.util.Random random = new java.util.Random((provider + "|" + input).hashCode());
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < dims; i++) {
            v[i] *= scale;
        }
        return v;
    }

    /** @param fault the fault mode striking this call, or null */
    private void answer(HttpServerRequest req, Simulated sim, Faults f, String fault, JsonNode request, boolean stream) {
        HttpServerResponse res = req.response();
        if (res.closed()) {
            return; // the caller gave up during the latency
        }
        if ("bedrock".equals(sim.api) && !String.valueOf(req.getHeader("authorization")).startsWith("AWS4-HMAC-SHA256 ")) {
            // what AWS answers an unsigned call
            res.putHeader("x-amzn-ErrorType", "MissingAuthenticationTokenException");
            send(res, 403, Json.object().put("message", "Missing Authentication Token"));
            return;
        }
        String required = sim.requiredCredential;
        if (required != null) {
            String given = req.getHeader("authorization") != null ? req.getHeader("authorization")
                    : req.getHeader("x-api-key") != null ? req.getHeader("x-api-key") : req.getHeader("x-goog-api-key");
            if (!required.equals(given)) {
                send(res, 401, error(sim, "authentication_error", "Incorrect API key provided (simulated)"));
                return;
            }
        }
        if ("no-prefill".equals(fault)) {
            // a model like Claude Sonnet 4.6: a conversation ending with an assistant turn is refused
            JsonNode messages = request == null ? null : request.path("messages");
            if (messages != null && !messages.isEmpty()
                    && "assistant".equals(messages.get(messages.size() - 1).path("role").asText())) {
                send(res, 400, error(sim, "invalid_request_error", "This model does not support assistant message "
                        + "prefill. The conversation must end with a user message."));
                return;
            }
            fault = null;
        }
        boolean inStream = stream && fault != null && SseAnswer.STREAM_FAULTS.contains(fault);
        if (fault != null && !inStream) {
            beforeAnswer(req, sim, f, UNSTREAMED.getOrDefault(fault, fault));
            return;
        }
        if (request == null) {
            send(res, 400, error(sim, "invalid_request_error", "body is not JSON"));
            return;
        }
        if ("anthropic".equals(sim.api) && !request.has("max_tokens")) {
            send(res, 400, error(sim, "invalid_request_error", "max_tokens: Field required"));
            return;
        }
        SimulatedAnswer answer = SimulatedAnswer.of(sim.name, request);
        sim.lastAnswer = answer.text();
        Usage usage = new Usage(SimulatedUsage.promptTokens(request), SimulatedUsage.completionTokens(answer));
        sim.lastUsage = usage;
        String model = request.path("model").asText("sim-model");
        boolean anthropic = "anthropic".equals(sim.api);
        if (stream) {
            SseFormat format = switch (sim.api) {
                case "anthropic" -> new AnthropicStream(answer, model, usage);
                case "gemini" -> new GeminiStream(answer, model, usage);
                case "bedrock" -> new BedrockStream(answer, usage);
                default -> new OpenAiStream(answer, model, usage,
                        request.path("stream_options").path("include_usage").asBoolean(false));
            };
            new SseAnswer(vertx, req, format, answer.pieces(), f, inStream ? fault : null,
                    () -> completed(sim, request)).start();
        } else {
            JsonNode whole = switch (sim.api) {
                case "anthropic" -> anthropicMessage(answer, model, usage);
                case "gemini" -> NativeWire.geminiResponse(answer, model, usage);
                case "bedrock" -> NativeWire.bedrockResponse(answer, usage);
                default -> openAiCompletion(answer, model, usage);
            };
            send(res, 200, whole).onSuccess(v -> completed(sim, request));
        }
    }

    /**
     * From now on counts, per prompt (the text of its first user message, which a continuation repeats), the
     * chat calls and the answers sent whole by any provider of this simulator: a test sees a prompt answered
     * (and billed) twice, which no reply to the client can show. Off by default: the embedded simulator
     * keeps nothing per request.
     */
    public void trackPrompts() {
        completedByPrompt = new ConcurrentHashMap<>();
        callsByPrompt = new ConcurrentHashMap<>();
    }

    /** Chat calls per prompt since {@link #trackPrompts()} (empty when not tracking). */
    public Map<String, Long> callsByPrompt() {
        Map<String, AtomicLong> m = callsByPrompt;
        Map<String, Long> out = new java.util.HashMap<>();
        if (m != null) {
            m.forEach((k, v) -> out.put(k, v.get()));
        }
        return out;
    }

    /** Per prompt, the providers that sent a whole answer to it since {@link #trackPrompts()}, in order. */
    public Map<String, List<String>> completedByPrompt() {
        Map<String, List<String>> m = completedByPrompt;
        Map<String, List<String>> out = new java.util.HashMap<>();
        if (m != null) {
            m.forEach((k, v) -> {
                synchronized (v) {
                    out.put(k, List.copyOf(v));
                }
            });
        }
        return out;
    }

    /** A whole answer was written (body end, or a stream's closing events): one a closing server lost is not counted. */
    private void completed(Simulated sim, JsonNode request) {
        Map<String, List<String>> tracked = completedByPrompt;
        if (tracked != null) {
            List<String> by = tracked.computeIfAbsent(promptKey(request), k -> new java.util.ArrayList<>());
            synchronized (by) {
                by.add(sim.name);
            }
        }
    }

    private static String promptKey(JsonNode request) {
        if (request == null) {
            return "";
        }
        for (JsonNode m : request.path("messages")) {
            if ("user".equals(m.path("role").asText())) {
                return SimulatedAnswer.textOf(m.path("content"));
            }
        }
        return "";
    }

    /** A fault that strikes before any answer (status, connection or body), streamed call or not. */
    private static void beforeAnswer(HttpServerRequest req, Simulated sim, Faults f, String mode) {
        HttpServerResponse res = req.response();
        switch (mode) {
            case "hang" -> {
                // never answers: the caller's timeout must fire
            }
            case "drop" -> req.connection().close();
            case "garbage" -> res.setStatusCode(200).putHeader("content-type", "application/json").end("{\"choices\": [tru");
            case "rate-limit" -> {
                if (f.retryAfterSec() >= 0) {
                    res.putHeader("retry-after", String.valueOf(f.retryAfterSec()));
                }
                send(res, 429, error(sim, "rate_limit_error", "Rate limit reached for requests (simulated)"));
            }
            case "quota" -> send(res, 429, error(sim, "insufficient_quota",
                    "You exceeded your current quota, please check your plan and billing details. (simulated)"));
            case "overloaded" -> send(res, "anthropic".equals(sim.api) ? 529 : 503,
                    error(sim, "overloaded_error", "Overloaded (simulated)"));
            case "bad-request" -> send(res, 400, error(sim, "invalid_request_error",
                    "Unsupported parameter: 'max_tokens' is not supported with this model (simulated)"));
            case "reply" -> send(res, f.status(), sim.replyBody == null ? Json.object() : sim.replyBody);
            case "server-error" -> send(res, 500, error(sim, "anthropic".equals(sim.api) ? "api_error" : "server_error",
                    "The server had an error while processing your request (simulated)"));
            default -> send(res, f.status(), error(sim, f.status() == 401 ? "authentication_error" : "api_error",
                    "The server had an error while processing your request (simulated)"));
        }
    }

    private static JsonNode parse(Buffer body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body.getBytes());
            return n != null && n.isObject() ? n : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** Client credentials grant: any client with Basic credentials gets the next token. */
    private void token(HttpServerRequest req, Buffer body) {
        String auth = req.getHeader("authorization");
        if (!"POST".equals(req.method().name()) || auth == null || !auth.startsWith("Basic ")
                || !body.toString().contains("grant_type=client_credentials")) {
            send(req.response(), 400, Json.object().put("error", "invalid_request"));
            return;
        }
        tokenRequests.incrementAndGet();
        if ("hang".equals(tokenFault)) {
            return; // never answers: the gateway's gateway.oauth2.timeout must fire
        }
        if ("error".equals(tokenFault)) {
            send(req.response(), 503, Json.object().put("error", "temporarily_unavailable"));
            return;
        }
        long n = tokenCalls.incrementAndGet();
        send(req.response(), 200, Json.object().put("access_token", "sim-token-" + n).put("token_type", "Bearer")
                .put("expires_in", tokenTtlSeconds));
    }

    /** Token requests served so far. */
    public long tokenCalls() {
        return tokenCalls.get();
    }

    /** Token requests received, including those a fault left unanswered or refused. */
    public long tokenRequests() {
        return tokenRequests.get();
    }

    /** The token endpoint from now on: null (answers), "hang" (never answers) or "error" (HTTP 503). */
    public void tokenFault(String fault) {
        this.tokenFault = fault;
    }

    /** Lifetime of the tokens issued from now on. */
    public void tokenTtlSeconds(long seconds) {
        this.tokenTtlSeconds = seconds;
    }

    /** Root URL of this simulator (for the token endpoint: root + /_oauth/token). */
    public String rootUrl() {
        return "http://" + ("0.0.0.0".equals(host) ? "127.0.0.1" : host) + ":" + port();
    }

    private void admin(HttpServerRequest req, String path, Buffer body) {
        String[] p = path.split("/");
        try {
            if (path.isEmpty()) {
                ArrayNode all = Json.MAPPER.createArrayNode();
                providers.values().forEach(s -> all.add(s.toJson()));
                send(req.response(), 200, all);
                return;
            }
            Simulated sim = provider(p[0]);
            if (p.length > 1 && "reset".equals(p[1])) {
                sim.reset();
            } else if ("PUT".equals(req.method().name()) || "POST".equals(req.method().name())) {
                JsonNode patch = Json.MAPPER.readTree(body.getBytes());
                sim.faults(sim.faults.merge(patch));
                if (patch.has("body")) {
                    sim.replyBody = patch.get("body");
                }
                if (patch.has("require_key")) {
                    sim.requireCredential(patch.get("require_key").isNull() ? null : patch.get("require_key").asText());
                }
                LOG.info("Simulated provider {} now: {}", sim.name, sim.faults.toJson());
            }
            send(req.response(), 200, sim.toJson());
        } catch (Exception e) {
            send(req.response(), 400, Json.object().put("error", String.valueOf(e.getMessage())));
        }
    }

    private static ObjectNode openAiCompletion(SimulatedAnswer answer, String model, Usage usage) {
        long prompt = usage.prompt();
        long completion = usage.completion();
        ObjectNode c = Json.object();
        c.put("id", "chatcmpl-sim" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        c.put("object", "chat.completion").put("created", Instant.now().getEpochSecond()).put("model", model);
        ObjectNode choice = c.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (answer.toolCall()) {
            message.putNull("content");
            ObjectNode call = message.putArray("tool_calls").addObject().put("id", answer.toolId(false)).put("type", "function");
            call.putObject("function").put("name", answer.toolName()).put("arguments", answer.text());
        } else {
            message.put("content", answer.text());
        }
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", answer.toolCall() ? "tool_calls" : "stop");
        c.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
        return c;
    }

    private static ObjectNode anthropicMessage(SimulatedAnswer answer, String model, Usage usage) {
        ObjectNode m = Json.object();
        m.put("model", model).put("id", "msg_sim" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
                .put("type", "message").put("role", "assistant");
        if (answer.toolCall()) {
            m.putArray("content").addObject().put("type", "tool_use").put("id", answer.toolId(true))
                    .put("name", answer.toolName()).set("input", answer.arguments());
        } else {
            m.putArray("content").addObject().put("type", "text").put("text", answer.text());
        }
        m.put("stop_reason", answer.toolCall() ? "tool_use" : "end_turn").putNull("stop_sequence");
        m.putObject("usage").put("input_tokens", usage.prompt()).put("cache_creation_input_tokens", 0)
                .put("cache_read_input_tokens", 0).put("output_tokens", usage.completion());
        return m;
    }

    /** Gemini's models list: {@code {"models":[{"name":"models/..."}]}}. */
    private static ObjectNode geminiModels(Simulated sim) {
        ObjectNode list = Json.object();
        list.putArray("models").addObject().put("name", "models/" + sim.name + "-sim").put("displayName", sim.name)
                .putArray("supportedGenerationMethods").add("generateContent");
        return list;
    }

    private static ObjectNode modelsList(Simulated sim) {
        ObjectNode list = Json.object().put("object", "list");
        list.putArray("data").addObject().put("id", sim.name + "-sim").put("object", "model").put("created", 0)
                .put("owned_by", sim.name);
        return list;
    }

    /** An error body in the provider's own shape. */
    private static ObjectNode error(Simulated sim, String type, String message) {
        ObjectNode body = Json.object();
        if (sim != null && "gemini".equals(sim.api)) {
            return NativeWire.geminiError(switch (type) {
                case "rate_limit_error", "insufficient_quota" -> 429;
                case "overloaded_error" -> 503;
                case "invalid_request_error" -> 400;
                case "authentication_error" -> 401;
                case "not_found_error" -> 404;
                default -> 500;
            }, message);
        }
        if (sim != null && "bedrock".equals(sim.api)) {
            return body.put("message", message); // the type goes in x-amzn-ErrorType (send)
        }
        if (sim != null && "anthropic".equals(sim.api)) {
            body.put("type", "error");
            body.putObject("error").put("type", type).put("message", message);
            body.put("request_id", "req_sim");
            return body;
        }
        body.putObject("error").put("message", message).put("type", type).putNull("param")
                .put("code", "insufficient_quota".equals(type) ? type : "rate_limit_error".equals(type)
                        ? "rate_limit_exceeded" : null);
        return body;
    }

    private void later(long ms, Runnable r) {
        if (ms <= 0) {
            r.run();
        } else {
            vertx.setTimer(ms, id -> r.run());
        }
    }

    private static Future<Void> send(HttpServerResponse res, int status, JsonNode body) {
        try {
            if (status >= 400 && body.size() == 1 && body.has("message") && !res.headers().contains("x-amzn-ErrorType")) {
                res.putHeader("x-amzn-ErrorType", NativeWire.bedrockErrorType(status)); // Bedrock's error shape
            }
            return res.setStatusCode(status).putHeader("content-type", "application/json")
                    .end(Buffer.buffer(Json.MAPPER.writeValueAsBytes(body)));
        } catch (Exception e) {
            return res.setStatusCode(500).end().flatMap(v -> Future.failedFuture(e));
        }
    }
}

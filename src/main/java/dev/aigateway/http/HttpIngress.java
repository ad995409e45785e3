package dev.aigateway.http;

import java.util.Locale;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aigateway.api.AllProvidersFailed;
import dev.aigateway.api.Attempt;
import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.api.ProviderRejection;
import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.chain.Secrets;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;
import dev.aigateway.stream.AnswerStreams;
import dev.aigateway.stream.SseClient;

/**
 * The HTTP side of the OpenAI-compatible API, named by routes/http-ingress.yaml: reads and checks the
 * request, and writes the chain's result (or an OpenAI-style error) back with the x-gateway-* headers.
 */
public class HttpIngress {
    private static final Logger LOG = LoggerFactory.getLogger(HttpIngress.class);
    /** Response header on an answer written by the embedded simulator (never on a real provider's). */
    public static final String SIMULATED = "x-gateway-simulated";
    /** Response header: the chain that served the request and why it was chosen ({@link ChatRequest#route()}). */
    public static final String ROUTE = "x-gateway-route";

    private final RequestParser parser;
    private final Providers providers;
    private final LiveChains chains;
    private final long maxBodyBytes;
    private final GatewayMetrics metrics;
    private final AnswerStreams streams;
    private final java.util.Map<String, ClientApi> apis = new java.util.HashMap<>();

    /** @param apis the client APIs served over the chat chains, by the name a route sets ({@link ClientApi#PROPERTY}) */
    public HttpIngress(RequestParser parser, Providers providers, LiveChains chains, GatewayMetrics metrics,
            AnswerStreams streams, long maxBodyBytes, java.util.List<ClientApi> apis) {
        apis.forEach(api -> this.apis.put(api.name(), api));
        this.apis.putIfAbsent(ChatCompletionsApi.NAME, new ChatCompletionsApi());
        this.streams = streams;
        this.metrics = metrics;
        this.parser = parser;
        this.providers = providers;
        this.chains = chains;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Validates the HTTP request; its {@link GatewayRequest} then carries the {@link ChatRequest} and an empty attempt log. */
    public void readRequest(Exchange exchange) {
        Message m = exchange.getMessage();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        gateway.setAttempts(new AttemptLog());
        byte[] raw = HttpRequestChecks.body(exchange, chains, maxBodyBytes);
        exchange.setProperty(ClientApi.INSTANCE, api(exchange));
        JsonNode clientBody = RequestParser.readJson(raw);
        JsonNode root = api(exchange).toChatRequest(clientBody, m);
        String bodyId = root.path("request_id").isTextual() ? root.get("request_id").asText() : null;
        ChatRequest request = api(exchange).carry(parser.parse(root, m.getHeader("x-gateway-chain", String.class),
                chain -> chains.endpoint(chain) != null, gateway.budgetStepDown()), clientBody);
        // the id the client chose (null: none, the gateway made one up): what idempotent replies key on
        request = HttpRequestChecks.clientId(exchange, request, bodyId);
        gateway.setChatRequest(request);
        chains.select(exchange, gateway, request.chain(), request.route());
        if (request.stream() && m instanceof org.apache.camel.component.platform.http.vertx.HttpMessage http) {
            http.getResponse().putHeader(ROUTE, request.routeHeader()); // a stream's headers leave with its first chunk
        }
        if (request.stream()) {
            streams.live(exchange, request, api(exchange).sse(request));
            if (providers.anySimulated() && m instanceof org.apache.camel.component.platform.http.vertx.HttpMessage http) {
                // a stream's headers go out with its first chunk: say now that its answer will be simulated
                http.getResponse().putHeader(SIMULATED, "true");
            }
        }
    }

    /** Turns the chain's result into the HTTP response. */
    public void writeResponse(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        Object result = m.getBody();
        GatewayRequest gateway = GatewayRequest.of(exchange);
        AttemptLog log = gateway.attempts();
        ChatRequest request = gateway.chatRequest();
        m.removeHeaders("*");
        AnswerStream answer = AnswerStream.of(gateway);
        metrics.request("http", request.chain(), outcome(result, answer), log.elapsedMs(), log.upstreamMs());
        ClientApi api = api(exchange);
        if (answer != null && answer.sink() instanceof SseClient sse) {
            if (result instanceof ChatResult r) {
                // the usage chunk always reaches the dialect when asked for; other APIs than chat may always want it
                sse.end(answer.finishChunk(r.finishReason(), simulated(gatewayJson(r, request, log, answer), r)),
                        request.includeUsage() || !ChatCompletionsApi.NAME.equals(api.name()) ? answer.usageChunk(r) : null);
                return;
            }
            if (sse.started()) {
                sse.fail(streamError(result, answer, log));
                return;
            }
            // nothing was sent yet: the error goes out with its real status, as JSON
        }
        if (result instanceof ChatResult r) {
            ObjectNode body = r.completion();
            body.set("gateway", simulated(gatewayJson(r, request, log, answer), r));
            m.setHeader("x-gateway-provider", r.provider());
            if (providers.get(r.provider()).simulated()) {
                m.setHeader(SIMULATED, "true");
            }
            m.setHeader("x-gateway-cost-usd", String.format(Locale.ROOT, "%.8f", r.costUsd()));
            respond(m, 200, api.fromCompletion(body, request), log, request);
        } else if (result instanceof ProviderRejection rejection) {
            m.setHeader("x-gateway-provider", rejection.provider());
            respond(m, rejection.status(), api.error(rejection.toException().toBody(), rejection.status()), log, request);
        } else if (result instanceof AllProvidersFailed failed && failed.deadlineExceeded()) {
            // gateway.request-timeout / x-gateway-timeout-ms passed: no further provider was called
            respond(m, 504, api.error(failed.toBody(), 504), log, request);
        } else if (result instanceof AllProvidersFailed failed && failed.retryAfterMs() > 0) {
            // every provider is cooling down: the SDKs wait for Retry-After and try again
            m.setHeader("Retry-After", String.valueOf(failed.retryAfterSeconds()));
            respond(m, 429, api.error(failed.toBody(), 429), log, request);
        } else if (result instanceof AllProvidersFailed failed) {
            // every provider was just tried: the OpenAI SDKs honour this and do not re-run the whole chain
            m.setHeader("x-should-retry", "false");
            respond(m, 503, api.error(failed.toBody(), 503), log, request);
        } else {
            throw new IllegalStateException("chain returned no result: " + (result == null ? "null" : result.getClass()));
        }
    }

    /** Marks a gateway object {@code "simulated": true} when the embedded simulator wrote the answer. */
    private ObjectNode simulated(ObjectNode gateway, ChatResult r) {
        if (providers.get(r.provider()).simulated()) {
            gateway.put("simulated", true);
        }
        return gateway;
    }

    /** Any exception of the HTTP routes: a refusal with its status, anything else a logged 500. */
    public void error(Exchange exchange) throws Exception {
        Throwable caught = exchange.getProperty(ExchangePropertyKey.EXCEPTION_CAUGHT, Throwable.class);
        GatewayException error = caught instanceof GatewayException g ? g
                : new GatewayException(500, "server_error", "internal_error", null,
                        "The gateway failed to process the request; see its log");
        if (!(caught instanceof GatewayException)) {
            LOG.error("Request failed inside the gateway", caught);
        }
        GatewayRequest gateway = GatewayRequest.of(exchange);
        AnswerStream answer = AnswerStream.of(gateway);
        ChatRequest req = gateway.chatRequest();
        if (answer != null && answer.sink() instanceof SseClient sse && sse.started()) {
            // the stream is under way: the error can only be its last event
            metrics.request("http", req.chain(), "error", 0, 0);
            sse.fail(error.toBody());
            return;
        }
        metrics.request("http", req == null ? "none" : req.chain(), error.status() >= 500 ? "error" : "rejected", 0, 0);
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        if (error.retryAfterSeconds() > 0) {
            m.setHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
        }
        if (!error.shouldRetry()) {
            m.setHeader("x-should-retry", "false");
        }
        respond(m, error.status(), api(exchange).error(error.toBody(), error.status()), gateway.attempts(), req);
    }

    /** The API of this request's route ({@link ClientApi#PROPERTY}); OpenAI chat completions when none is set. */
    public ClientApi api(Exchange exchange) {
        String name = exchange.getProperty(ClientApi.PROPERTY, String.class);
        ClientApi api = name == null ? null : apis.get(name);
        if (name != null && api == null) {
            throw new IllegalStateException("route sets " + ClientApi.PROPERTY + "=" + name + ", an API the gateway does not have");
        }
        return api != null ? api : apis.get(ChatCompletionsApi.NAME);
    }

    /** GET /v1/models: every model alias a client may ask for, with the chain it selects (see {@link ModelRoutes}). */
    public void models(Exchange exchange) throws Exception {
        Message m = exchange.getMessage();
        m.removeHeaders("*");
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.MAPPER.writeValueAsBytes(parser.modelRoutes().modelList()));
    }

    /** The outcome tag of a chain's result, the same for every ingress. */
    public static String outcome(Object result, AnswerStream answer) {
        if (answer != null && answer.abandonedOutcome() != null && !(result instanceof ChatResult)) {
            return answer.abandonedOutcome();
        }
        return result instanceof ChatResult ? "ok" : result instanceof ProviderRejection ? "client_error" : "all_failed";
    }

    /** The {@code gateway} object of a reply: who answered, what it cost, every attempt, and what streaming did. */
    public static ObjectNode gatewayJson(ChatResult r, ChatRequest request, AttemptLog log, AnswerStream answer) {
        ObjectNode gateway = Json.object();
        gateway.put("provider", r.provider()).put("request_id", request.requestId()).put("chain", request.chain())
                .put("route", request.route()).put("latency_ms", log.elapsedMs()).put("upstream_latency_ms", r.upstreamLatencyMs())
                .put("cost_usd", r.costUsd());
        attemptsJson(gateway.putArray("attempts"), log);
        if (answer != null) {
            answer.describe(gateway);
        }
        return gateway;
    }

    /** The error event that ends a stream already under way. */
    private static ObjectNode streamError(Object result, AnswerStream answer, AttemptLog log) {
        if (answer.abandoned() != null) {
            ObjectNode body = new GatewayException(502, "server_error", answer.abandonedOutcome(), null,
                    Secrets.mask(answer.abandoned())).toBody();
            attemptsJson(((ObjectNode) body.get("error")).putArray("providers_tried"), log);
            return body;
        }
        return result instanceof ProviderRejection rejection ? rejection.toException().toBody()
                : result instanceof AllProvidersFailed failed ? failed.toBody()
                : new GatewayException(500, "server_error", "internal_error", null, "no result").toBody();
    }

    private static void respond(Message m, int status, ObjectNode body, AttemptLog log, ChatRequest request)
            throws Exception {
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (log != null) {
            m.setHeader("x-gateway-attempts", log.names());
            m.setHeader("x-gateway-latency-ms", log.elapsedMs());
        }
        if (request != null) {
            m.setHeader("x-request-id", request.requestId());
            m.setHeader(ROUTE, request.routeHeader());
            if (!request.droppedFields().isEmpty()) {
                m.setHeader("x-gateway-dropped-fields", String.join(",", request.droppedFields()));
            }
        }
        // a Vert.x Buffer is written as is; byte[] would go through an InputStream pump on the event loop
        m.setBody(io.vertx.core.buffer.Buffer.buffer(Json.MAPPER.writeValueAsBytes(body)));
    }

    private static void attemptsJson(ArrayNode array, AttemptLog log) {
        for (Attempt a : log.attempts()) {
            array.addObject().put("provider", a.provider()).put("outcome", a.outcome()).put("status", a.status())
                    .put("latency_ms", a.latencyMs()).put("error", Secrets.mask(a.error()));
        }
    }
}

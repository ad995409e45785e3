package dev.aigateway.chain;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.ProviderRejection;
import dev.aigateway.embeddings.EmbeddingAnswers;
import dev.aigateway.embeddings.EmbeddingModels;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;
import dev.aigateway.provider.UpstreamError;
import dev.aigateway.provider.UpstreamErrors;
import dev.aigateway.request.AttemptLog;
import dev.aigateway.request.GatewayRequest;
import dev.aigateway.stream.AnswerStream;
import dev.aigateway.stream.AnswerStreams;
import dev.aigateway.stream.ProviderStream;
import dev.aigateway.stream.StreamBrokenException;

/**
 * The two halves of a provider route around its camel-http call: {@link #prepare} turns the request
 * into the provider's wire format, {@link #complete} turns the answer into a result, a rejection the
 * client must see, or an exception that makes the breaker fall back. The request's state is read from
 * its {@link GatewayRequest}; what belongs to one call is kept in plain properties of the breaker's copy.
 */
public class ProviderCall {
    /** Size of the body sent to the provider (a broken stream's prompt tokens are estimated from it). */
    private static final String SENT_BYTES = "gatewaySentBytes";
    /** Set while the provider is asked to continue an answer by assistant prefill. */
    private static final String PREFILL = "gatewayPrefill";
    /** routes/providers.yaml calls the provider once more when this is true (its key changed after a 401). */
    public static final String CALL_AGAIN = "gatewayCallAgain";
    /** routes/providers.yaml reads the answer as a stream when this is true (the request has an answer stream). */
    public static final String STREAMED = "gatewayStreamed";
    /** Which key a call carried (its hash: the key itself is never kept beside the request). */
    private static final String KEY_USED = "gatewayKeyUsed";

    private final Providers providers;
    private final Cooldowns cooldowns;
    private final long quotaCooldownMs;
    private final ProviderHealth health;
    private final GatewayMetrics metrics;
    private final AnswerStreams streams;
    /** Which errors fall back (docs/failover.md "Fallback rules"); set by GatewayBeans, defaults to today's policy. */
    private FallbackRules rules = new FallbackRules(key -> null, java.util.List.of());
    private EmbeddingModels embeddings;

    public ProviderCall(Providers providers, Cooldowns cooldowns, ProviderHealth health, GatewayMetrics metrics,
            AnswerStreams streams, long quotaCooldownMs) {
        this.streams = streams;
        this.health = health;
        this.metrics = metrics;
        this.providers = providers;
        this.cooldowns = cooldowns;
        this.quotaCooldownMs = quotaCooldownMs;
    }

    public void fallbackRules(FallbackRules rules) {
        this.rules = rules;
    }

    /** What each provider serves on POST /v1/embeddings (set by GatewayBeans). */
    public void embeddings(EmbeddingModels embeddings) {
        this.embeddings = embeddings;
    }

    public void prepare(Exchange exchange, String name) throws IOException {
        Provider provider = providers.get(name);
        if (provider.isDisabled()) {
            // left out at start-up (no key with gateway.simulator.mode=auto): never called, never a breaker failure
            throw new ProviderSkippedException(name, "disabled", "disabled: " + provider.disabled());
        }
        GatewayRequest gateway = GatewayRequest.of(exchange);
        if (gateway.deadlinePassed()) {
            throw new DeadlineExceededException(name);
        }
        FallbackRules.checkStep(rules, gateway, name);
        cooldowns.check(name);
        if (!exchange.getProperty(Attempts.HEALTH_BYPASS, false, Boolean.class)) {
            health.check(name);
        }
        GatewayRequest.Key key = gateway.key();
        // an embeddings request (POST /v1/embeddings) calls the provider's embedding model at its embeddings URL
        boolean embed = gateway.embeddings();
        String model = modelOf(gateway, provider);
        if (key != null && !key.allowsModel(model)) {
            throw new ProviderSkippedException(name, "model_not_allowed", "this API key may not use model " + model);
        }
        ChatRequest request = gateway.chatRequest();
        AnswerStream answer = AnswerStream.of(gateway);
        boolean prefill = false;
        if (answer != null) {
            // after a broken stream: the original request, a continuation, or no call at all
            boolean allowed = streams.prefillAllowed(name, provider.settings().assistantPrefill());
            ChatRequest next = answer.requestFor(name, allowed, request, exchange.getProperty(AnswerStream.MODE, String.class));
            prefill = allowed && next != request;
            request = next;
        }
        exchange.setProperty(PREFILL, prefill);
        exchange.setProperty(STREAMED, answer != null);
        Message m = exchange.getMessage();
        // nothing from the client (its Authorization above all) may reach the provider
        m.removeHeaders("*");
        // the enum itself: a String would go through a slow type-converter lookup on every call
        m.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        String url = embed ? provider.adapter().embeddingsUrl(provider.baseUrl(), model) : provider.chatUrl(answer != null);
        m.setHeader(Exchange.HTTP_URI, url);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        String credential = provider.credential().value();
        provider.adapter().headers(credential).forEach(m::setHeader);
        exchange.setProperty(KEY_USED, credential == null ? 0 : credential.hashCode());
        if (gateway.deadlineNanos() != 0) {
            // the call waits no longer than the request's deadline (CallTimeouts takes this header off)
            m.setHeader(CallTimeouts.HEADER, String.valueOf(Math.max(1, gateway.remainingMs())));
        }
        exchange.setProperty(CALL_AGAIN, false);
        if (answer != null) {
            // no compression: a stream is read as it arrives and dropped (not drained) when it breaks
            m.setHeader("Accept-Encoding", "identity");
        }
        byte[] body = embed ? provider.adapter().buildEmbeddingsRequest(request.body(), model)
                : provider.adapter().buildRequest(request, provider.settings(), answer != null);
        // signed last, over the exact bytes sent (Bedrock's SigV4); other APIs add nothing here
        provider.adapter().sign("POST", url, body, provider.credential()).forEach(m::setHeader);
        exchange.setProperty(SENT_BYTES, body.length);
        m.setBody(body);
        gateway.attempts().begin(name);
    }

    public void complete(Exchange exchange, String name) {
        Provider provider = providers.get(name);
        GatewayRequest gateway = GatewayRequest.of(exchange);
        AttemptLog log = gateway.attempts();
        boolean embed = gateway.embeddings();
        String model = modelOf(gateway, provider);
        Message m = exchange.getMessage();
        int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        AnswerStream answer = AnswerStream.of(gateway);
        long sentBytes = exchange.getProperty(SENT_BYTES, 0, Integer.class);
        if (status >= 200 && status < 300 && answer != null
                && provider.adapter().streamFraming().matches(m.getHeader(Exchange.CONTENT_TYPE, String.class))) {
            InputStream in = m.getBody(InputStream.class);
            m.removeHeaders("*");
            ChatResult result;
            try {
                result = ProviderStream.relay(answer, provider.settings(), provider.adapter(), in, sentBytes, log.callStartedNanos(),
                        gateway.deadlineNanos());
            } catch (StreamBrokenException e) {
                throw new ProviderFailedException(name, e.outcome(), status, e.getMessage());
            }
            metrics.attempt(name, model, "ok", log.finish(name, "ok", status, null), true);
            cooldowns.succeeded(name);
            m.setBody(result);
            return;
        }
        byte[] body = m.getBody(byte[].class);
        if (status >= 200 && status < 300 && embed) {
            m.removeHeaders("*");
            ChatResult result;
            try {
                // vectors of another length than the chain's are the provider's failure: the chain falls back
                result = EmbeddingAnswers.read(body, embeddings.of(name), gateway.chatRequest(), 0);
            } catch (EmbeddingAnswers.Unusable e) {
                throw new ProviderFailedException(name, e.outcome(), status, e.getMessage());
            } catch (RuntimeException e) {
                throw new ProviderFailedException(name, "bad_response", status, "unreadable answer: " + e.getMessage());
            }
            long latency = log.finish(name, "ok", status, null);
            metrics.attempt(name, model, "ok", latency, true);
            cooldowns.succeeded(name);
            metrics.usage(name, model, result.promptTokens(), 0, result.costUsd());
            m.setBody(withLatency(result, latency));
            return;
        }
        if (status >= 200 && status < 300) {
            m.removeHeaders("*"); // the provider's response headers must not reach our client
            ChatResult result;
            try {
                result = provider.adapter().parseResponse(body, provider.settings(), 0);
            } catch (IOException | RuntimeException e) {
                throw new ProviderFailedException(name, "bad_response", status,
                        "unreadable answer: " + e.getMessage());
            }
            if ((answer == null || !answer.started() && !answer.continuing()) && FallbackRules.isRefusal(result.finishReason())
                    && rules.contentFilterFallsBack(name)) {
                // a refusal under content-filter=fallback: the next step tries; this one is the answer if all fail
                gateway.setLastRefusal(result);
                throw new ProviderDeclinedException(name, "content_filter", status, "refused: finish reason "
                        + result.finishReason());
            }
            long latency = log.finish(name, "ok", status, null);
            metrics.attempt(name, model, "ok", latency, true);
            cooldowns.succeeded(name);
            if (answer != null) {
                // asked to stream, answered whole: the answer stream still records it (and a live client gets it)
                m.setBody(ProviderStream.relayWhole(answer, provider.settings(), result, sentBytes, System.nanoTime()));
                return;
            }
            metrics.usage(name, model, result.promptTokens(), result.completionTokens(), result.costUsd());
            m.setBody(withLatency(result, latency));
            return;
        }
        UpstreamError error = provider.adapter().readError(status, m.getHeaders(), body);
        m.removeHeaders("*");
        String message = "HTTP " + status + (error.message() == null || error.message().isEmpty() ? ""
                : ": " + Secrets.mask(error.message()));
        if (exchange.getProperty(PREFILL, false, Boolean.class) && status == 400 && error.message() != null
                && error.message().toLowerCase(Locale.ROOT).contains("prefill")) {
            // the model takes no assistant prefill: not the client's fault; later continuations use the instruction
            streams.prefillRefused(name);
            throw new ProviderFailedException(name, "prefill_refused", status, message);
        }
        boolean continuation = answer != null && answer.continuing();
        if (!continuation && !embed && FallbackRules.isContextOverflow(error) && rules.fallsBack(name, FallbackRules.CONTEXT_WINDOW)) {
            // a bigger window may take it: steps whose window is not larger are skipped (FallbackRules.checkStep)
            gateway.overflowed(rules.contextWindow(name));
            throw new ProviderDeclinedException(name, "context_window_exceeded", status, message);
        }
        if (!continuation && !embed && FallbackRules.isContentFilter(error) && rules.contentFilterFallsBack(name)) {
            gateway.setLastRefusal(rejection(name, status, error));
            throw new ProviderDeclinedException(name, "content_filter", status, message);
        }
        // a continuation is the gateway's request, not the client's: its refusal falls back like any failure
        if (UpstreamErrors.isClientError(error) && !(answer != null && answer.continuing())) {
            metrics.attempt(name, model, "client_error",
                    log.finish(name, "client_error", status, message), true);
            m.setBody(rejection(name, status, error));
            return;
        }
        if (status == 401 && keyChangedSinceCall(exchange, provider)) {
            // the key was rotated while this call was out (an expired token, a new key file): once more with it
            metrics.attempt(name, model, "auth_retried",
                    log.finish(name, "auth_retried", status, message), true);
            exchange.setProperty("gatewayKeyRetried-" + name, true);
            exchange.setProperty(CALL_AGAIN, true);
            return;
        }
        String outcome = UpstreamErrors.outcome(error);
        if ("quota_exhausted".equals(outcome)) {
            cooldowns.coolDownShared(name, quotaCooldownMs, "quota exhausted, gateway.quota-cooldown");
        } else if (error.retryAfterMs() > 0 && (status == 429 || status == 503 || status == 529)) {
            cooldowns.coolDownShared(name, error.retryAfterMs(), "HTTP " + status + " with Retry-After");
        } else if (status == 429) {
            cooldowns.rateLimited(name);
        }
        // a Gemini-style 400 naming a bad key is an auth failure: the 401 class decides
        int statusClass = status == 400 ? 401 : status;
        if (!rules.fallsBackOnStatus(name, statusClass) && !continuation) {
            // left out of gateway.fallback-on: the client gets the provider's error, no one else is called
            metrics.attempt(name, model, outcome, log.finish(name, outcome, status, message), true);
            m.setBody(rejection(name, status, error));
            return;
        }
        throw new ProviderFailedException(name, outcome, status, message);
    }

    private static ProviderRejection rejection(String name, int status, UpstreamError error) {
        return new ProviderRejection(name, status, error.type() != null ? error.type()
                : status < 500 ? "invalid_request_error" : "upstream_error", error.code(), error.param(),
                Secrets.mask(error.message()));
    }

    /** On a 401: re-reads the provider's key; true (once per request) when it is not the one the call carried. */
    private static boolean keyChangedSinceCall(Exchange exchange, Provider provider) {
        if (exchange.getProperty("gatewayKeyRetried-" + provider.name(), false, Boolean.class)) {
            return false;
        }
        int used = exchange.getProperty(KEY_USED, 0, Integer.class);
        String now = provider.credential().reload(used);
        return now != null && now.hashCode() != used;
    }

    /** The model a call asks for: the provider's embedding model for an embeddings request, else its chat model. */
    private String modelOf(GatewayRequest gateway, Provider provider) {
        return gateway.embeddings() ? embeddings.of(provider.name()).model() : provider.settings().model();
    }

    private static ChatResult withLatency(ChatResult r, long latency) {
        return new ChatResult(r.provider(), r.model(), r.completion(), r.promptTokens(), r.completionTokens(),
                r.costUsd(), r.finishReason(), latency);
    }
}

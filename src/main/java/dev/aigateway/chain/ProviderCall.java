package dev.aigateway.chain;

import java.io.IOException;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.ProviderRejection;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.metrics.GatewayMetrics;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.Providers;
import dev.aigateway.provider.UpstreamError;
import dev.aigateway.provider.UpstreamErrors;

/**
 * The two halves of a provider route around its camel-http call: {@link #prepare} turns the request
 * into the provider's wire format, {@link #complete} turns the answer into a result, a rejection the
 * client must see, or an exception that makes the breaker fall back.
 */
public class ProviderCall {
    /** Exchange property holding the validated {@link ChatRequest}. */
    public static final String REQUEST = "gatewayRequest";

    private final Providers providers;
    private final Cooldowns cooldowns;
    private final long quotaCooldownMs;
    private final ProviderHealth health;
    private final GatewayMetrics metrics;

    public ProviderCall(Providers providers, Cooldowns cooldowns, ProviderHealth health, GatewayMetrics metrics,
            long quotaCooldownMs) {
        this.health = health;
        this.metrics = metrics;
        this.providers = providers;
        this.cooldowns = cooldowns;
        this.quotaCooldownMs = quotaCooldownMs;
    }

    public void prepare(Exchange exchange, String name) throws IOException {
        Provider provider = providers.get(name);
        cooldowns.check(name);
        if (!exchange.getProperty(Attempts.HEALTH_BYPASS, false, Boolean.class)) {
            health.check(name);
        }
        ChatRequest request = exchange.getProperty(REQUEST, ChatRequest.class);
        Message m = exchange.getMessage();
        // nothing from the client (its Authorization above all) may reach the provider
        m.removeHeaders("*");
        // the enum itself: a String would go through a slow type-converter lookup on every call
        m.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        m.setHeader(Exchange.HTTP_URI, provider.chatUrl());
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        provider.adapter().headers(provider.credential().value()).forEach(m::setHeader);
        m.setBody(provider.adapter().buildRequest(request, provider.settings(), false));
        exchange.getProperty(AttemptLog.PROPERTY, AttemptLog.class).begin(name);
    }

    public void complete(Exchange exchange, String name) {
        Provider provider = providers.get(name);
        AttemptLog log = exchange.getProperty(AttemptLog.PROPERTY, AttemptLog.class);
        Message m = exchange.getMessage();
        int status = m.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        byte[] body = m.getBody(byte[].class);
        if (status >= 200 && status < 300) {
            m.removeHeaders("*"); // the provider's response headers must not reach our client
            ChatResult result;
            try {
                result = provider.adapter().parseResponse(body, provider.settings(), 0);
            } catch (IOException | RuntimeException e) {
                throw new ProviderFailedException(name, "bad_response", status,
                        "unreadable answer: " + e.getMessage());
            }
            long latency = log.finish(name, "ok", status, null);
            metrics.attempt(name, provider.settings().model(), "ok", latency, true);
            metrics.usage(name, provider.settings().model(), result.promptTokens(), result.completionTokens(), result.costUsd());
            m.setBody(withLatency(result, latency));
            return;
        }
        UpstreamError error = provider.adapter().readError(status, m.getHeaders(), body);
        m.removeHeaders("*");
        String message = "HTTP " + status + (error.message() == null || error.message().isEmpty() ? ""
                : ": " + Secrets.mask(error.message()));
        if (UpstreamErrors.isClientError(error)) {
            metrics.attempt(name, provider.settings().model(), "client_error",
                    log.finish(name, "client_error", status, message), true);
            m.setBody(new ProviderRejection(name, status, error.type() != null ? error.type() : "invalid_request_error",
                    error.code(), error.param(), Secrets.mask(error.message())));
            return;
        }
        String outcome = UpstreamErrors.outcome(error);
        if ("quota_exhausted".equals(outcome)) {
            cooldowns.coolDown(name, quotaCooldownMs, "quota exhausted, gateway.quota-cooldown");
        } else if (error.retryAfterMs() > 0 && (status == 429 || status == 503 || status == 529)) {
            cooldowns.coolDown(name, error.retryAfterMs(), "HTTP " + status + " with Retry-After");
        }
        throw new ProviderFailedException(name, outcome, status, message);
    }

    private static ChatResult withLatency(ChatResult r, long latency) {
        return new ChatResult(r.provider(), r.model(), r.completion(), r.promptTokens(), r.completionTokens(),
                r.costUsd(), r.finishReason(), latency);
    }
}

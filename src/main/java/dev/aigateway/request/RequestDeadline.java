package dev.aigateway.request;

import org.apache.camel.Exchange;

import dev.aigateway.api.GatewayException;

/**
 * Starts a request's deadline at ingress: {@code gateway.request-timeout}, or the client's
 * {@value #HEADER} (HTTP header or Kafka record header, whole milliseconds). Every later wait (provider
 * calls, retry backoff, wait-for-cooldown) is capped by it; once it has passed no provider is called and
 * the client gets 504 {@code deadline_exceeded}.
 */
public final class RequestDeadline {
    public static final String HEADER = "x-gateway-timeout-ms";

    private final long defaultMs;

    public RequestDeadline(long defaultMs) {
        this.defaultMs = defaultMs;
    }

    public void start(Exchange exchange) {
        GatewayRequest gateway = GatewayRequest.of(exchange);
        String given = exchange.getMessage().getHeader(HEADER, String.class);
        long ms = defaultMs;
        if (given != null) {
            try {
                ms = Long.parseLong(given.trim());
            } catch (NumberFormatException e) {
                ms = -1;
            }
            if (ms < 1) {
                throw new GatewayException(400, "invalid_request_error", "invalid_header", HEADER, HEADER
                        + " must be a whole number of milliseconds, 1 or more; got '" + abbreviate(given) + "'");
            }
        }
        gateway.setDeadlineNanos(System.nanoTime() + Math.min(ms, Long.MAX_VALUE / 2_000_000L) * 1_000_000L);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}

package dev.aigateway.chain;

import java.io.IOException;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * A provider call sent on a pooled connection that the provider (or a load balancer in front of it) had already
 * closed gets no response at all ({@link NoHttpResponseException}): the server closed an idle keep-alive
 * connection, or restarted, before reading the request. That is no failure of the provider: it is sent again at
 * once, on another connection, and never counts against the provider's breaker. Seen with an nginx reload under load:
 * every pooled connection failed together and opened every breaker behind that host. As long as each try went
 * out on a pooled connection it is tried again, at most {@value #MAX_SENDS} sends in all: after a restart the pool
 * holds one dead connection per call that was in flight, and a try may lease another one.
 * <p>
 * Only then: a call on a fresh connection that gets no response (the provider dropped it), any response (a 429's
 * Retry-After is the chain's to honour, never the HTTP client's), and any other I/O error are answered by the
 * chain's own rules (gateway.retries, fallback).
 */
public final class StaleConnectionRetry implements HttpRequestRetryStrategy {
    static final int MAX_SENDS = 3;

    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        return execCount < MAX_SENDS && exception instanceof NoHttpResponseException && reused(context);
    }

    /** The call went out on a connection that had carried an earlier request. */
    private static boolean reused(HttpContext context) {
        EndpointDetails endpoint = HttpClientContext.castOrCreate(context).getEndpointDetails();
        return endpoint != null && endpoint.getRequestCount() > 1;
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return false;
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }
}

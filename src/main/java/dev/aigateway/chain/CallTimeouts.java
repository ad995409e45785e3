package dev.aigateway.chain;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.util.Timeout;

/**
 * Lets one provider call wait less than its endpoint's responseTimeout: camel-http has no per-call timeout,
 * so {@link ProviderCall#prepare} puts the request's remaining time in the header {@value #HEADER}, and this
 * interceptor (on camel-http's clients) takes it off the request and lowers the call's response timeout to it
 * (never raises it). The header never reaches the provider.
 */
public final class CallTimeouts implements HttpClientConfigurer {
    public static final String HEADER = "X-Gateway-Call-Timeout-Ms";

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        builder.addRequestInterceptorFirst((request, entity, context) -> {
            Header h = request.getFirstHeader(HEADER);
            if (h == null) {
                return;
            }
            request.removeHeaders(HEADER);
            long ms;
            try {
                ms = Math.max(1, Long.parseLong(h.getValue()));
            } catch (NumberFormatException e) {
                return;
            }
            HttpClientContext c = HttpClientContext.castOrCreate(context);
            RequestConfig config = c.getRequestConfigOrDefault();
            Timeout current = config.getResponseTimeout();
            if (current == null || current.isDisabled() || current.toMilliseconds() > ms) {
                c.setRequestConfig(RequestConfig.copy(config).setResponseTimeout(Timeout.ofMilliseconds(ms)).build());
            }
        });
    }
}

package dev.aigateway.provider;

import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;
import dev.aigateway.chain.ProviderFailedException;

/**
 * OAuth2 client-credentials tokens for a provider ({@code provider.<name>.oauth2.*}): fetched through
 * camel-http, cached, and renewed once {@code gateway.oauth2.refresh-at} of the token's lifetime has
 * passed (0.8: a one-hour token is renewed after 48 minutes), so overnight jobs never meet an expired
 * token. One fetch serves every request (single-flight); a 401 fetches at once, once.
 *
 * <p>A token endpoint that is slow, down or hung never stalls the provider: a renewal runs in the
 * background while the current token, still valid, keeps serving; a fetch gives up after
 * {@code gateway.oauth2.timeout}, and a failed one is retried after 1 s, 2 s, 4 s … (at most 30 s), not on
 * every request. Only a request that finds no valid token waits for a fetch, never longer than the timeout,
 * and fails with outcome {@code oauth2_token_unavailable} (the chain falls back) when there is none.
 * The token URL may carry credentials: it never appears in an error a client sees, and logs name the
 * provider and the endpoint without its user info or query.
 *
 * <p>camel-http's own OAuth2 options were not enough here: their cache margin is absolute (not a share of
 * the lifetime), a 401 cannot invalidate the cached token, concurrent requests at expiry each fetch one, and
 * the options belong to the endpoint, which one route template shares between providers with and without
 * OAuth2.
 */
public final class OAuth2Token implements KeySource {
    private static final Logger LOG = LoggerFactory.getLogger(OAuth2Token.class);
    /** Outcome of a call that found no valid token (attempts list, metrics). */
    public static final String UNAVAILABLE = "oauth2_token_unavailable";
    /** A 401 right after a fetch reuses that token instead of fetching again (a burst of 401s, one fetch). */
    /** Wait after a failed fetch before the next one: doubled on each failure, up to the cap. */
    private static final long FIRST_BACKOFF_MS = 1_000;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final String provider;
    private final String tokenUrl;
    private final String clientId;
    private final KeySource clientSecret;
    private final String scope;
    private final double refreshAt;
    private final long timeoutMs;
    private final ProducerTemplate http;
    private final ExecutorService fetcher;
    private final String endpointUri;

    /** The token in force, replaced whole so a reader never sees half an update; null before the first. */
    private volatile Held held;
    /** The fetch under way (every caller needing a token joins it), the backoff, and why the last failed. */
    private CompletableFuture<Held> inFlight;
    private long backoffMs;
    private long nextTryAtMillis;
    private String lastFailure;

    private record Held(String token, long fetchedAtMillis, long renewAtMillis, long expiresAtMillis) {
        boolean validAt(long now) {
            return now < expiresAtMillis;
        }
    }

    /**
     * @param timeoutMs gateway.oauth2.timeout: the longest a fetch may take, and the longest a request waits for one
     * @param fetcher   runs the fetches, so no request thread is held by a slow token endpoint
     */
    public OAuth2Token(String provider, String tokenUrl, String clientId, KeySource clientSecret, String scope,
            double refreshAt, long timeoutMs, ProducerTemplate http, ExecutorService fetcher) {
        this.provider = provider;
        this.tokenUrl = tokenUrl;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.scope = scope;
        this.refreshAt = refreshAt;
        this.timeoutMs = timeoutMs;
        this.http = http;
        this.fetcher = fetcher;
        // connection, pool lease and answer each bounded by the timeout (0 would mean: wait for ever)
        long t = Math.max(1, timeoutMs);
        this.endpointUri = "http://oauth2.token?throwExceptionOnFailure=false&connectTimeout=" + t
                + "&connectionRequestTimeout=" + t + "&responseTimeout=" + t + "&soTimeout=" + t;
    }

    @Override
    public String value() {
        Held h = held;
        long now = System.currentTimeMillis();
        if (h != null && now < h.renewAtMillis) {
            return h.token;
        }
        if (h != null && h.validAt(now)) {
            refresh(); // renewal due: in the background, this request goes on with the valid token
            return h.token;
        }
        // no valid token: this request waits for a fetch, at most the timeout
        return await(refresh()).token;
    }

    @Override
    public String reload(int rejectedHash) {
        Held h = held;
        if (h != null && h.token.hashCode() != rejectedHash) {
            return h.token; // renewed since the refused call was sent
        }
        return reload();
    }

    @Override
    public String reload() {
        CompletableFuture<Held> f = refresh();
        if (f != null) {
            try {
                return await(f).token;
            } catch (ProviderFailedException e) {
                // already logged; the token in force stays (the call falls back if the provider keeps refusing it)
            }
        }
        Held h = held;
        return h == null ? null : h.token;
    }

    @Override
    public boolean present() {
        return clientId != null && clientSecret.present();
    }

    @Override
    public String describe() {
        return "OAuth2 client credentials at " + endpoint() + " (client " + clientId + ", secret from "
                + clientSecret.describe() + ")";
    }

    /**
     * The fetch under way, or a new one unless the last failed within its backoff (then null). Never blocks:
     * the fetch itself runs on the fetcher.
     */
    private synchronized CompletableFuture<Held> refresh() {
        if (inFlight != null) {
            return inFlight;
        }
        if (System.currentTimeMillis() < nextTryAtMillis) {
            return null;
        }
        CompletableFuture<Held> f = CompletableFuture.supplyAsync(this::fetch, fetcher)
                .orTimeout(timeoutMs + 1_000, TimeUnit.MILLISECONDS); // camel-http's timeouts should fire first
        inFlight = f;
        f.whenComplete(this::fetched);
        return f;
    }

    private synchronized void fetched(Held h, Throwable error) {
        inFlight = null;
        if (h != null) {
            held = h;
            backoffMs = 0;
            nextTryAtMillis = 0;
            lastFailure = null;
            return;
        }
        lastFailure = reason(error);
        backoffMs = backoffMs == 0 ? FIRST_BACKOFF_MS : Math.min(backoffMs * 2, MAX_BACKOFF_MS);
        long now = System.currentTimeMillis();
        nextTryAtMillis = now + backoffMs;
        Held current = held;
        if (current != null && current.validAt(now)) {
            LOG.warn("OAuth2 token for provider {} not renewed from {}: {}; the current token stays in use ({} ms left), "
                    + "next try in {} s", provider, endpoint(), lastFailure, current.expiresAtMillis - now, backoffMs / 1000);
        } else {
            LOG.warn("OAuth2 token for provider {} not obtained from {}: {}; calls to {} fail (and fall back) until a "
                    + "fetch succeeds, next try in {} s", provider, endpoint(), lastFailure, provider, backoffMs / 1000);
        }
    }

    /** Waits for a fetch at most the timeout; a request with no valid token fails and its chain falls back. */
    private Held await(CompletableFuture<Held> f) {
        if (f == null) {
            String why;
            synchronized (this) {
                why = lastFailure + "; next try in " + Math.max(0, nextTryAtMillis - System.currentTimeMillis()) + " ms";
            }
            throw unavailable(why);
        }
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw unavailable("no answer within " + timeoutMs + " ms (gateway.oauth2.timeout)");
        } catch (ExecutionException e) {
            throw unavailable(reason(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while waiting for the token endpoint");
        }
    }

    /** Why a fetch failed, safe to show. */
    private String reason(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        if (cause instanceof TokenFailure) {
            return cause.getMessage();
        }
        return cause instanceof TimeoutException ? "no answer within " + timeoutMs + " ms (gateway.oauth2.timeout)"
                : describeFailure(cause);
    }

    private ProviderFailedException unavailable(String why) {
        return new ProviderFailedException(provider, UNAVAILABLE, 0, "no valid OAuth2 token for " + provider
                + ": the token endpoint failed (" + why + ")");
    }

    /**
     * One token request. Its failure messages name the cause but never the URL or host (they reach clients
     * through the attempts list).
     */
    private Held fetch() {
        try {
            return fetchOnce();
        } catch (TokenFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TokenFailure(describeFailure(e));
        }
    }

    private Held fetchOnce() {
        String body = "grant_type=client_credentials" + (scope == null ? "" : "&scope=" + encode(scope));
        String basic = Base64.getEncoder().encodeToString((encode(clientId) + ":" + encode(clientSecret.value()))
                .getBytes(StandardCharsets.UTF_8));
        long started = System.currentTimeMillis();
        Exchange reply = http.request(endpointUri, ex -> {
            ex.getMessage().setHeader(Exchange.HTTP_URI, tokenUrl);
            ex.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
            ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/x-www-form-urlencoded");
            ex.getMessage().setHeader("Authorization", "Basic " + basic);
            ex.getMessage().setBody(body);
        });
        if (reply.getException() != null) {
            throw new TokenFailure(describeFailure(reply.getException()));
        }
        int status = reply.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status != 200) {
            throw new TokenFailure("HTTP " + status);
        }
        String access;
        long lifetimeMs;
        try {
            JsonNode json = Json.MAPPER.readTree(reply.getMessage().getBody(byte[].class));
            access = json == null ? null : json.path("access_token").asText(null);
            lifetimeMs = json == null ? 0 : json.path("expires_in").asLong(3600) * 1000;
        } catch (java.io.IOException e) {
            throw new TokenFailure("the answer is not JSON");
        }
        if (access == null) {
            throw new TokenFailure("no access_token in the answer");
        }
        // counted from when the request left: the token's clock started no later than that
        long renewAfter = (long) (lifetimeMs * refreshAt);
        LOG.info("OAuth2 token for provider {} obtained; valid {} s, renewed after {} s", provider, lifetimeMs / 1000,
                renewAfter / 1000);
        return new Held(access, started, started + renewAfter, started + lifetimeMs);
    }

    /** The cause of a failed request, without the URL or host the HTTP client's message would carry. */
    private String describeFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String name = t.getClass().getSimpleName();
            if (name.contains("Timeout")) {
                return "no answer within " + timeoutMs + " ms (gateway.oauth2.timeout)";
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host";
            }
        }
        return "request failed (" + e.getClass().getSimpleName() + ")";
    }

    /** The token URL for logs: scheme, host, port and path — no user info, no query (either may hold a secret). */
    String endpoint() {
        try {
            URI u = URI.create(tokenUrl);
            return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "")
                    + (u.getRawPath() == null ? "" : u.getRawPath());
        } catch (RuntimeException e) {
            return "(unparsable token URL)";
        }
    }

    /** A failed fetch, its message safe to show (no URL, host or secret). */
    private static final class TokenFailure extends RuntimeException {
        TokenFailure(String message) {
            super(message, null, false, false);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}

package dev.aigateway.provider;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;
import dev.aigateway.chain.Secrets;

/**
 * OAuth2 client-credentials tokens for a provider ({@code provider.<name>.oauth2.*}): fetched through
 * camel-http, cached, and fetched anew once {@code gateway.oauth2.refresh-at} of the token's lifetime has
 * passed (0.8: a one-hour token is renewed after 48 minutes), so overnight jobs never meet an expired
 * token. One fetch serves every request (a fetch is single-flight); a 401 fetches at once, once.
 *
 * <p>camel-http's own OAuth2 options were not enough here: their cache margin is absolute (not a share of
 * the lifetime), a 401 cannot invalidate the cached token, concurrent requests at expiry each fetch one, and
 * the options belong to the endpoint, which one route template shares between providers with and without
 * OAuth2.
 */
public final class OAuth2Token implements KeySource {
    private static final Logger LOG = LoggerFactory.getLogger(OAuth2Token.class);
    /** A 401 right after a fetch reuses that token instead of fetching again (a burst of 401s, one fetch). */
    private static final long REFETCH_GUARD_MS = 200;

    private final String provider;
    private final String tokenUrl;
    private final String clientId;
    private final KeySource clientSecret;
    private final String scope;
    private final double refreshAt;
    private final ProducerTemplate http;
    private volatile String token;
    private volatile long renewAtMillis;
    private volatile long fetchedAtMillis;

    public OAuth2Token(String provider, String tokenUrl, String clientId, KeySource clientSecret, String scope,
            double refreshAt, ProducerTemplate http) {
        this.provider = provider;
        this.tokenUrl = tokenUrl;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.scope = scope;
        this.refreshAt = refreshAt;
        this.http = http;
    }

    @Override
    public String value() {
        String t = token;
        if (t != null && System.currentTimeMillis() < renewAtMillis) {
            return t;
        }
        synchronized (this) {
            if (token == null || System.currentTimeMillis() >= renewAtMillis) {
                fetch();
            }
            return token;
        }
    }

    @Override
    public synchronized String reload() {
        if (token == null || System.currentTimeMillis() - fetchedAtMillis > REFETCH_GUARD_MS) {
            fetch();
        }
        return token;
    }

    @Override
    public boolean present() {
        return clientId != null && clientSecret.present();
    }

    @Override
    public String describe() {
        return "OAuth2 client credentials at " + tokenUrl + " (client " + clientId + ", secret from "
                + clientSecret.describe() + ")";
    }

    private void fetch() {
        String body = "grant_type=client_credentials" + (scope == null ? "" : "&scope=" + encode(scope));
        String basic = Base64.getEncoder().encodeToString((encode(clientId) + ":" + encode(clientSecret.value()))
                .getBytes(StandardCharsets.UTF_8));
        Exchange reply = http.request("http://oauth2.token?throwExceptionOnFailure=false", ex -> {
            ex.getMessage().setHeader(Exchange.HTTP_URI, tokenUrl);
            ex.getMessage().setHeader(Exchange.HTTP_METHOD, "POST");
            ex.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/x-www-form-urlencoded");
            ex.getMessage().setHeader("Authorization", "Basic " + basic);
            ex.getMessage().setBody(body);
        });
        int status = reply.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (reply.getException() != null || status != 200) {
            String why = reply.getException() != null ? reply.getException().getMessage() : "HTTP " + status;
            throw new IllegalStateException("OAuth2 token for " + provider + " not obtained from " + tokenUrl + ": "
                    + Secrets.mask(why));
        }
        try {
            JsonNode json = Json.MAPPER.readTree(reply.getMessage().getBody(byte[].class));
            String access = json.path("access_token").asText(null);
            if (access == null) {
                throw new IllegalStateException("no access_token in the answer");
            }
            long lifetimeMs = json.path("expires_in").asLong(3600) * 1000;
            long now = System.currentTimeMillis();
            token = access;
            fetchedAtMillis = now;
            renewAtMillis = now + (long) (lifetimeMs * refreshAt);
            LOG.info("OAuth2 token for {} obtained; valid {} s, renewed after {} s", provider, lifetimeMs / 1000,
                    (long) (lifetimeMs * refreshAt) / 1000);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("OAuth2 token answer for " + provider + " is not JSON: " + e.getMessage());
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}

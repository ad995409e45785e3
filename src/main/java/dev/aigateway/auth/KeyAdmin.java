package dev.aigateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.api.RequestParser;
import dev.aigateway.provider.Credential;

/**
 * The key admin API, guarded by the admin key (env {@code gateway.auth.admin-key-env}):
 * {@code GET /admin/keys} lists keys and usage, {@code POST /admin/keys} creates one and shows its secret
 * once, {@code DELETE /admin/keys/<id>} revokes one.
 */
public final class KeyAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(KeyAdmin.class);

    private final ApiKeys keys;
    private final Credential adminKey;
    private final String adminKeyEnv;

    /** @param adminKey from gateway.auth.admin-key-env or -file, read at each call (a file may be rotated) */
    public KeyAdmin(ApiKeys keys, Credential adminKey, String adminKeyEnv) {
        this.keys = keys;
        this.adminKey = adminKey;
        this.adminKeyEnv = adminKeyEnv;
    }

    /** GET or POST /admin/keys. */
    public void keys(Exchange exchange) throws Exception {
        checkAdmin(exchange);
        Message m = exchange.getMessage();
        if ("POST".equals(m.getHeader(Exchange.HTTP_METHOD, String.class))) {
            create(exchange);
            return;
        }
        reply(m, 200, keys.describe());
    }

    /** DELETE /admin/keys/{id}. */
    public void revoke(Exchange exchange) throws Exception {
        checkAdmin(exchange);
        String id = exchange.getMessage().getHeader("id", String.class);
        if (!keys.file().revoke(id)) {
            throw new GatewayException(404, "invalid_request_error", "unknown_key", "id", "No key with id '" + id + "'");
        }
        LOG.warn("Gateway key {} revoked through the admin API", id);
        reply(exchange.getMessage(), 200, Json.object().put("id", id).put("revoked", true));
    }

    /**
     * Guards GET /admin/providers (topology, upstream error texts): the admin key when gateway.auth is on; open
     * when it is off (the API then listens on loopback unless gateway.http.host says otherwise).
     */
    public void checkStatusAccess(Exchange exchange) {
        if (keys.enabled()) {
            checkAdmin(exchange);
        }
    }

    private void create(Exchange exchange) throws Exception {
        JsonNode body = RequestParser.readJson(exchange.getMessage().getBody(byte[].class));
        KeyFile.Created created;
        try {
            created = keys.file().create(body.path("owner").asText(null), strings(body.get("chains")),
                    strings(body.get("models")), body.path("rpm").asInt(0), body.path("monthly_budget_usd").asDouble(0),
                    body.path("max_tokens_limit").asInt(0), body.path("max_n").asInt(0));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalid(null, e.getMessage());
        }
        LOG.info("Gateway key {} created for {} through the admin API", created.key().id(), created.key().owner());
        ObjectNode out = Json.object().put("id", created.key().id()).put("owner", created.key().owner())
                .put("key", created.secret()).put("note", "shown once: the gateway keeps only its SHA-256");
        reply(exchange.getMessage(), 201, out);
    }

    /** True when an admin key is configured (the variable or file of gateway.auth.admin-key-*). */
    public boolean adminKeySet() {
        String admin = adminKey.value();
        return admin != null && !admin.isBlank();
    }

    /** The admin key, whatever gateway.auth.enabled says: 403 when none is configured, 401 when it is not sent. */
    public void checkAdmin(Exchange exchange) {
        String admin = adminKey.value();
        if (admin == null || admin.isBlank()) {
            throw new GatewayException(403, "permission_error", "admin_disabled", null,
                    "The key admin API is off: set the environment variable " + adminKeyEnv
                            + " (or gateway.auth.admin-key-file) to an admin key");
        }
        String auth = exchange.getMessage().getHeader("Authorization", String.class);
        String given = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), admin.trim().getBytes(StandardCharsets.UTF_8))) {
            throw new GatewayException(401, "invalid_request_error", "invalid_api_key", null,
                    "The admin API needs Authorization: Bearer <admin key>");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static void reply(Message m, int status, ObjectNode body) throws Exception {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        m.setHeader(Exchange.CONTENT_TYPE, "application/json");
        m.setBody(Json.MAPPER.writeValueAsBytes(body));
    }
}

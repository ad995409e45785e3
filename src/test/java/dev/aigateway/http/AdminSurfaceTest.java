package dev.aigateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.test.AvailablePortFinder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.TestGateway;

/**
 * gateway.admin.port: /admin/* and /console are served there (by default the management port, loopback), and
 * the public API port answers them with a JSON 404 naming that port; with gateway.auth.enabled every admin
 * endpoint needs the admin key.
 */
class AdminSurfaceTest {
    static final String ADMIN = "admin-surface-FAKE-9f8e7d";

    @Test
    void theAdminSurfaceIsOnTheManagementPortAndNotOnTheApiPort() {
        try (TestGateway gw = TestGateway.start()) {
            assertEquals(gw.managementPort, gw.adminPort);
            HttpResponse<String> status = gw.admin("/admin/providers");
            assertEquals(200, status.statusCode(), status.body());
            assertTrue(TestGateway.json(status).path("providers").size() > 0, status.body());
            assertEquals(200, gw.management("/observe/health").statusCode(), "the management server still serves health");

            for (String path : List.of("/admin/providers", "/admin/keys", "/console", "/console/console.js")) {
                HttpResponse<String> moved = gw.get(path);
                assertEquals(404, moved.statusCode(), path + ": " + moved.body());
                assertEquals("not_found", TestGateway.json(moved).at("/error/code").asText(), moved.body());
                assertTrue(TestGateway.json(moved).at("/error/message").asText()
                        .contains("port " + gw.adminPort + " (gateway.admin.port)"), moved.body());
            }
            HttpResponse<String> unknown = gw.get("/v1/nope");
            assertFalse(unknown.body().contains("/admin"), "the API port's 404 lists only what it serves: " + unknown.body());
            assertTrue(unknown.body().contains("POST /v1/chat/completions"), unknown.body());
            assertEquals(200, gw.chat(TestGateway.request("the API still answers")).statusCode());

            HttpResponse<String> page = gw.admin("/console");
            assertEquals(200, page.statusCode(), page.body());
            assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
            assertTrue(page.headers().firstValue("content-security-policy").orElseThrow().startsWith("default-src 'self'"));
            assertTrue(page.body().contains("/console/lib/uPlot.iife.min.js"), "the chart library from this origin");
            assertFalse(page.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "nothing loaded from another origin");
            HttpResponse<String> chartLibrary = gw.admin("/console/lib/uPlot.iife.min.js");
            assertEquals(200, chartLibrary.statusCode());
            assertTrue(chartLibrary.body().contains("uPlot"), "the WebJar's file, from the jar");
            assertEquals(404, gw.admin("/console/nope.js").statusCode());
            assertEquals(404, gw.admin("/console/lib/LICENSE").statusCode(), "only the two chart files are served");
            HttpResponse<String> unserved = gw.admin("/admin/nope");
            assertEquals(404, unserved.statusCode(), unserved.body());
            assertTrue(TestGateway.json(unserved).at("/error/message").asText().contains("GET /admin/providers"), unserved.body());
            HttpResponse<String> wrongMethod = gw.adminCall("PUT", "/admin/providers", "{}");
            assertEquals(405, wrongMethod.statusCode(), wrongMethod.body());
            assertEquals(200, gw.management("/observe/metrics").statusCode(), "the management endpoints are still served");
        }
    }

    @Test
    void withAuthOnEveryAdminEndpointNeedsTheAdminKey(@TempDir Path dir) throws Exception {
        Path admin = Files.writeString(dir.resolve("admin.key"), ADMIN);
        try (TestGateway gw = TestGateway.start(Map.of("gateway.auth.enabled", "true",
                "gateway.auth.keys-file", dir.resolve("keys.json").toString(), "gateway.auth.admin-key-file", admin.toString()))) {
            PlatformHttpComponent http = gw.context().getComponent("platform-http", PlatformHttpComponent.class);
            List<String> checked = new ArrayList<>();
            for (var e : http.getHttpEndpoints()) {
                if (!e.getUri().startsWith("/admin")) {
                    continue;
                }
                String path = e.getUri().replaceAll("\\{[^}]+}", "some-id");
                for (String method : (e.getVerbs() == null || e.getVerbs().isBlank() ? "GET" : e.getVerbs()).split(",")) {
                    String body = method.equals("POST") || method.equals("PUT") ? "{}" : null;
                    HttpResponse<String> none = gw.adminCall(method, path, body);
                    HttpResponse<String> wrong = gw.adminCall(method, path, body, "Authorization", "Bearer not-the-admin-key");
                    assertEquals(401, none.statusCode(), method + " " + path + " without a key: " + none.body());
                    assertEquals(401, wrong.statusCode(), method + " " + path + " with a wrong key: " + wrong.body());
                    assertEquals("invalid_api_key", TestGateway.json(none).at("/error/code").asText(), none.body());
                    checked.add(method + " " + path);
                }
            }
            assertTrue(checked.containsAll(List.of("GET /admin/providers", "GET /admin/keys", "POST /admin/keys",
                    "DELETE /admin/keys/some-id")), "every admin route was tried: " + checked);
            assertEquals(200, gw.admin("/admin/providers", "Authorization", "Bearer " + ADMIN).statusCode());
            // the page itself holds no data: it loads, and tells the script to ask for the key first
            assertEquals(200, gw.admin("/console").statusCode());
            HttpResponse<String> settings = gw.admin("/console/settings.json");
            assertEquals(true, TestGateway.json(settings).path("auth_enabled").asBoolean(), settings.body());
            assertEquals(true, TestGateway.json(settings).path("admin_key_set").asBoolean(), settings.body());
            assertTrue(TestGateway.json(settings).path("endpoints").toString().contains("\"/admin/keys/{id}\""), settings.body());
            assertFalse(settings.body().contains(ADMIN));
        }
    }

    @Test
    void theAdminPortMayBeTheApiPortOrAPortOfItsOwn() {
        int own = AvailablePortFinder.getNextAvailable();
        try (TestGateway gw = TestGateway.start(Map.of("gateway.admin.port", String.valueOf(own)))) {
            assertEquals(200, gw.admin("/admin/providers").statusCode(), "served on a port of its own");
            assertEquals(200, gw.admin("/console").statusCode());
            assertEquals(404, gw.management("/admin/providers").statusCode(), "not on the management port");
            assertEquals(404, gw.get("/admin/providers").statusCode(), "not on the API port");
        }
        int api = AvailablePortFinder.getNextAvailable();
        try (TestGateway gw = TestGateway.start(Map.of("gateway.http.port", String.valueOf(api),
                "gateway.admin.port", String.valueOf(api)))) {
            assertEquals(api, gw.port);
            assertEquals(200, gw.get("/admin/providers").statusCode(), "served on the API port when it is the admin port");
            assertEquals(200, gw.get("/console").statusCode());
            assertTrue(gw.get("/v1/nope").body().contains("GET /admin/providers"), "and listed there");
        }
    }
}

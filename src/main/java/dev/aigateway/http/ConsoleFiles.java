package dev.aigateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.PlatformHttpComponent;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;
import dev.aigateway.auth.KeyAdmin;

/**
 * GET /console/...: the console's static files, shipped in the jar (src/main/resources/console/) with its chart
 * library from the uPlot WebJar (Maven Central) under /console/lib/. Nothing is loaded from elsewhere: the
 * Content-Security-Policy allows this origin only, so the console works offline. The files hold no data and
 * need no key; /console/settings.json tells the page whether to ask for the admin key before its first call.
 */
public final class ConsoleFiles {
    private static final String OWN = "console/";
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8");
    private static final String CSP = "default-src 'self'; img-src 'self' data:; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private final KeyAdmin keyAdmin;
    private final String chartLibrary;

    public ConsoleFiles(KeyAdmin keyAdmin) {
        this.keyAdmin = keyAdmin;
        this.chartLibrary = "META-INF/resources/webjars/uplot/" + webJarVersion("uplot") + "/dist/";
    }

    public void serve(Exchange exchange) throws IOException {
        String path = path(exchange.getMessage());
        if (path.equals("/console") || path.equals("/console/") || path.equals("/console/index.html")) {
            reply(exchange.getMessage(), "html", read(OWN + "index.html"));
            return;
        }
        if (path.equals("/console/settings.json")) {
            var settings = Json.object().put("auth_enabled", keyAdmin.authEnabled())
                    .put("admin_key_set", keyAdmin.adminKeySet()).put("admin_key_env", keyAdmin.adminKeyEnv());
            // the admin endpoints this gateway serves: a panel whose source is not served says so, without a 404
            var endpoints = settings.putArray("endpoints");
            exchange.getContext().getComponent("platform-http", PlatformHttpComponent.class).getHttpEndpoints().stream()
                    .map(e -> e.getUri()).filter(u -> u.startsWith("/admin")).sorted().forEach(endpoints::add);
            reply(exchange.getMessage(), "json", Json.MAPPER.writeValueAsBytes(settings));
            return;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        String ext = name.substring(name.lastIndexOf('.') + 1);
        // a fixed set of names: no path from the caller ever reaches the class loader
        byte[] body = null;
        if (name.matches("[a-z]+\\.(js|css)") && path.equals("/console/" + name)) {
            body = read(OWN + name);
        } else if (path.equals("/console/lib/uPlot.iife.min.js") || path.equals("/console/lib/uPlot.min.css")) {
            body = read(chartLibrary + name);
        }
        if (body == null) {
            throw new GatewayException(404, "invalid_request_error", "not_found", null, "No console file "
                    + (path.length() > 100 ? path.substring(0, 100) + "..." : path).replaceAll("[^\\x21-\\x7e]", "?"));
        }
        reply(exchange.getMessage(), ext, body);
    }

    private static String path(Message m) {
        String uri = m.getHeader(Exchange.HTTP_URI, String.class);
        if (uri == null) {
            return "/console";
        }
        int query = uri.indexOf('?');
        return query < 0 ? uri : uri.substring(0, query);
    }

    private static void reply(Message m, String ext, byte[] body) {
        m.removeHeaders("*");
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        m.setHeader(Exchange.CONTENT_TYPE, ext.equals("json") ? "application/json" : TYPES.get(ext));
        m.setHeader("Cache-Control", "no-cache");
        m.setHeader("X-Content-Type-Options", "nosniff");
        m.setHeader("Referrer-Policy", "no-referrer");
        m.setHeader("Content-Security-Policy", CSP);
        m.setBody(body);
    }

    private static byte[] read(String resource) throws IOException {
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    /** The version of a WebJar on the class path, from its Maven metadata (the pom pins it). */
    private static String webJarVersion(String artifact) {
        Properties p = new Properties();
        try (InputStream in = ConsoleFiles.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the console's chart library (WebJar " + artifact + ") is not on the class path");
            }
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return p.getProperty("version");
    }
}

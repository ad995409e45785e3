package dev.aigateway.http;

import java.util.function.Supplier;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.aigateway.api.GatewayException;
import dev.aigateway.api.Json;

/**
 * A path or method the API does not serve gets an OpenAI-style JSON error naming it (404 {@code not_found},
 * 405 {@code method_not_allowed}) and the endpoints that are served. The HTTP server's own answer is an
 * HTML page (404) or an empty body (405), which client libraries fail to parse and report as something else.
 */
public final class UnservedPaths {
    private UnservedPaths() {
    }

    /** A served endpoint: its path and methods (empty: any method). */
    public record Endpoint(String path, java.util.Set<String> methods) {
        @Override
        public String toString() {
            return (methods.isEmpty() ? "ANY" : String.join("|", new java.util.TreeSet<>(methods))) + " " + path;
        }
    }

    /**
     * A last route on the API's router: what no route of the gateway took ends here. (The server's own 404/405
     * come from the root router, which platform-http keeps to itself; this one is platform-http's sub-router.)
     *
     * @param router the API's router (platform-http's, on gateway.http.port)
     * @param served the endpoints served now (read per error: routes come and go with a reload)
     */
    public static void answerAsJson(Router router, Supplier<java.util.List<Endpoint>> served) {
        router.route().order(Integer.MAX_VALUE).handler(ctx -> {
            java.util.List<Endpoint> endpoints = served.get();
            String method = ctx.request().method().name();
            String list = String.join(", ", endpoints.stream().map(Endpoint::toString).toList());
            java.util.Set<String> allowed = new java.util.TreeSet<>();
            boolean pathServed = false;
            for (Endpoint e : endpoints) {
                if (e.path().equals(ctx.request().path())) {
                    pathServed = true;
                    allowed.addAll(e.methods());
                }
            }
            if (pathServed && (allowed.isEmpty() || allowed.contains(method))) {
                // a route that serves this method but has no handler on the router yet: the server listens a moment
                // before every route is started; "retry in a second", never a 405 for an endpoint that exists
                ctx.response().putHeader("Retry-After", "1");
                reply(ctx, new GatewayException(503, "server_error", "gateway_starting", null,
                        "The gateway is starting; retry in a second").retryAfter(1));
            } else if (pathServed) {
                ctx.response().putHeader("allow", String.join(", ", allowed));
                reply(ctx, new GatewayException(405, "invalid_request_error", "method_not_allowed", null,
                        method + " is not allowed on " + path(ctx) + "; served: " + list));
            } else {
                reply(ctx, new GatewayException(404, "invalid_request_error", "not_found", null,
                        "No endpoint " + method + " " + path(ctx) + " on this gateway; served: " + list));
            }
        });
    }

    private static String path(RoutingContext ctx) {
        String path = ctx.request().path();
        if (path == null) {
            return "?";
        }
        // a path is the caller's text: bounded, and only printable ASCII goes back out
        String shown = path.length() > 200 ? path.substring(0, 200) + "..." : path;
        return shown.replaceAll("[^\\x21-\\x7e]", "?");
    }

    static void reply(RoutingContext ctx, GatewayException error) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        byte[] body;
        try {
            body = Json.MAPPER.writeValueAsBytes(error.toBody());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ctx.response().setStatusCode(error.status()).putHeader("content-type", "application/json").end(Buffer.buffer(body));
    }
}

package dev.aigateway.http;

import java.util.function.Supplier;

import io.vertx.ext.web.Router;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.spi.PlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConsumer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.GatewayException;

/**
 * The admin surface ({@code /admin/*} and {@code /console}) on {@code gateway.admin.port}, so an operator can keep
 * it off the public API port. Routes keep their plain {@code platform-http:/admin/...} URIs: this engine gives
 * each platform-http consumer the router of the port its path belongs to. The admin port is Camel's management
 * server when it equals {@code camel.management.port} (the default: same bind address, loopback unless set), the
 * API server when it equals {@code gateway.http.port}, else a server of its own on {@code camel.management.host}.
 */
public final class AdminSurface {
    private static final Logger LOG = LoggerFactory.getLogger(AdminSurface.class);

    private final int apiPort;
    private final int adminPort;

    public AdminSurface(int apiPort, int adminPort) {
        this.apiPort = apiPort;
        this.adminPort = adminPort;
    }

    /** True for the paths served on the admin port: /admin, /admin/..., /console, /console/... */
    public static boolean isAdminPath(String path) {
        return path != null && (path.equals("/admin") || path.startsWith("/admin/") || path.equals("/console")
                || path.startsWith("/console/"));
    }

    public boolean separate() {
        return adminPort != apiPort;
    }

    public int port() {
        return adminPort;
    }

    /**
     * Installs the engine (before the routes start) and, when the admin port is neither the API's nor the
     * management server's, the admin port's own HTTP server.
     *
     * @param managementPort the management server's port, or -1 when camel.management.enabled is false
     */
    public void install(CamelContext context, int managementPort, String host, long maxBodyBytes) {
        // platform-http takes the engine bound under this name before it looks for the default one
        context.getRegistry().bind("platform-http-engine", new Engine());
        if (separate() && adminPort != managementPort) {
            VertxPlatformHttpServerConfiguration conf = new VertxPlatformHttpServerConfiguration();
            conf.setBindPort(adminPort);
            conf.setBindHost(host);
            conf.setMaxBodySize(maxBodyBytes);
            try {
                context.addService(new VertxPlatformHttpServer(conf));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the admin port " + adminPort + " (gateway.admin.port)", e);
            }
        }
        LOG.info("Admin API and console (/admin/*, /console) on port {} (gateway.admin.port{})", adminPort,
                adminPort == apiPort ? ": the API port" : adminPort == managementPort ? ": the management port" : "");
    }

    /**
     * On the API port (when the admin surface is elsewhere): /admin/* and /console answer a JSON 404 that says where
     * they are, before the API's catch-all 404 ({@link UnservedPaths}) lists what the API serves.
     */
    public void answerMovedOnApiPort(Router apiRouter) {
        if (!separate()) {
            return;
        }
        GatewayException moved = new GatewayException(404, "invalid_request_error", "not_found", null,
                "The admin API and the console are not served on the API port: they are on port " + adminPort
                        + " (gateway.admin.port)");
        apiRouter.routeWithRegex("^/(admin|console)(/.*)?$").order(Integer.MAX_VALUE - 1)
                .handler(ctx -> UnservedPaths.reply(ctx, moved));
    }

    /**
     * On the admin port (when it is not the API's): a path or method it does not serve gets the same JSON 404/405
     * as the API port, listing the admin endpoints (and the management server's, when it shares the port).
     */
    public void answerUnservedOnAdminPort(CamelContext context, Supplier<java.util.List<UnservedPaths.Endpoint>> all) {
        if (!separate()) {
            return;
        }
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(adminPort));
        if (router != null) {
            UnservedPaths.answerAsJson(router, () -> all.get().stream().filter(e -> isAdminPath(e.path())).toList());
        }
    }

    /** The endpoints a port serves, for the 404/405 lists: the API port leaves out the admin surface. */
    public Supplier<java.util.List<UnservedPaths.Endpoint>> onApiPort(Supplier<java.util.List<UnservedPaths.Endpoint>> all) {
        if (!separate()) {
            return all;
        }
        return () -> all.get().stream().filter(e -> !isAdminPath(e.path())).toList();
    }

    /** platform-http's Vert.x engine, with each consumer on the router of its path's port. */
    private final class Engine extends VertxPlatformHttpEngine {
        @Override
        public PlatformHttpConsumer createConsumer(PlatformHttpEndpoint endpoint, Processor processor) {
            int port = isAdminPath(endpoint.getPath()) ? adminPort : apiPort;
            return new VertxPlatformHttpConsumer(endpoint, processor, getHandlers(),
                    VertxPlatformHttpRouter.getRouterNameFromPort(port));
        }
    }
}

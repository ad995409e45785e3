package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;

import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/**
 * Where the API listens and who may read /admin/providers: with auth off (the default) it binds 127.0.0.1
 * unless gateway.http.host says otherwise, and the status page is open there; with auth on it binds every
 * interface and the status page (topology, upstream errors) needs the admin key.
 */
class BindAddressTest {
    static final String ADMIN = "admin-bindtest-FAKE-0a1b2c3d";

    @Test
    void withAuthOffTheApiListensOnLoopbackOnly() throws Exception {
        try (TestGateway gw = TestGateway.start()) {
            assertEquals("127.0.0.1", gw.context().hasService(MainHttpServer.class).getHost());
            InetAddress other = nonLoopbackAddress();
            assertThrows(IOException.class, () -> connect(other, gw.port), "the API answers on " + other);
            connect(InetAddress.getLoopbackAddress(), gw.port);
            assertEquals(200, gw.admin("/admin/providers").statusCode(), "open on loopback while auth is off");
        }
    }

    @Test
    void gatewayHttpHostWidensItWithAuthOff() throws Exception {
        InetAddress other = nonLoopbackAddress();
        try (TestGateway gw = TestGateway.start(Map.of("gateway.http.host", "0.0.0.0"))) {
            assertEquals("0.0.0.0", gw.context().hasService(MainHttpServer.class).getHost());
            connect(other, gw.port);
        }
    }

    @Test
    void withAuthOnTheStatusPageNeedsTheAdminKey() throws Exception {
        Path dir = Files.createTempDirectory("bind");
        Path admin = Files.writeString(dir.resolve("admin.key"), ADMIN);
        try (TestGateway gw = TestGateway.start(Map.of("gateway.auth.enabled", "true",
                "gateway.auth.keys-file", dir.resolve("gateway-keys.json").toString(),
                "gateway.auth.admin-key-file", admin.toString()))) {
            assertEquals("0.0.0.0", gw.context().hasService(MainHttpServer.class).getHost(), "auth on: every interface");
            HttpResponse<String> none = gw.admin("/admin/providers");
            assertEquals(401, none.statusCode(), none.body());
            assertEquals("invalid_api_key", TestGateway.json(none).at("/error/code").asText());
            assertTrue(!none.body().contains("openai"), "no topology without the key: " + none.body());
            HttpResponse<String> wrong = status(gw, "Bearer not-the-admin-key");
            assertEquals(401, wrong.statusCode(), wrong.body());
            HttpResponse<String> ok = status(gw, "Bearer " + ADMIN);
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("openai", TestGateway.json(ok).at("/providers/0/provider").asText());
        }
        // auth on and no admin key configured: the status page is closed (403), not open
        try (TestGateway gw = TestGateway.start(Map.of("gateway.auth.enabled", "true",
                "gateway.auth.keys-file", dir.resolve("gateway-keys.json").toString(),
                "gateway.auth.admin-key-env", "AIGW_TEST_NO_SUCH_ADMIN_KEY"))) {
            HttpResponse<String> r = gw.admin("/admin/providers");
            assertEquals(403, r.statusCode(), r.body());
            assertEquals("admin_disabled", TestGateway.json(r).at("/error/code").asText());
        }
    }

    static HttpResponse<String> status(TestGateway gw, String authorization) throws Exception {
        return gw.client().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.adminPort + "/admin/providers"))
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An address of this machine that is not loopback (the test needs one to tell the bindings apart). */
    static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                    if (a instanceof Inet4Address) {
                        return a;
                    }
                }
            }
        }
        Assumptions.abort("this machine has no non-loopback IPv4 address");
        return null;
    }

    static void connect(InetAddress address, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 2000);
        }
    }
}

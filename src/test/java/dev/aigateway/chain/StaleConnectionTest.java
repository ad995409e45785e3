package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/**
 * A provider that closes its kept-alive connection right after each answer (what an upstream does when it
 * restarts, or a load balancer closing idle connections): the gateway's next call on that pooled connection gets
 * no response at all. That call is sent again on a fresh connection: it is answered by the same provider, with no
 * fallback and no failure on its breaker.
 */
class StaleConnectionTest {
    static final ClosingUpstream upstream = new ClosingUpstream();

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.base-url", upstream.baseUrl(),
            "gateway.retries", "0"));

    @AfterAll
    static void stop() throws IOException {
        upstream.close();
    }

    @Test
    void aCallOnAConnectionTheProviderClosedIsSentAgainNotFailedOver() throws Exception {
        for (int i = 1; i <= 5; i++) {
            var r = gw.chat(TestGateway.request("stale " + i));
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("openai", r.headers().firstValue("x-gateway-provider").orElseThrow(), "request " + i + ": " + r.body());
            assertEquals("Hello from a closing upstream.",
                    TestGateway.json(r).path("choices").path(0).path("message").path("content").asText());
        }
        assertEquals(5, upstream.answered.get(), "each request read and answered once by the provider");
        assertEquals(0, gw.breaker("openai").getMetrics().getNumberOfFailedCalls());
        assertEquals(0, gw.sim("anthropic").calls(), "no fallback");
    }

    /** A real HTTP/1.1 server that answers keep-alive, then closes the connection without saying so. */
    static final class ClosingUpstream implements AutoCloseable {
        final AtomicInteger answered = new AtomicInteger();
        private final ServerSocket server;

        ClosingUpstream() {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            daemon(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        daemon(() -> answerThenClose(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private static void daemon(Runnable r) {
            Thread t = new Thread(r, "closing-upstream");
            t.setDaemon(true);
            t.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getLocalPort() + "/v1";
        }

        private void answerThenClose(Socket s) {
            try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                int length = 0;
                for (String line : head.split("\r\n")) {
                    if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                in.readNBytes(length);
                byte[] body = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4.1\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from a closing upstream.\"},"
                        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":6,\"total_tokens\":9}}")
                        .getBytes(StandardCharsets.UTF_8);
                // keep-alive as far as the client can tell: no "Connection: close"
                out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                if (head.startsWith("POST")) {
                    answered.incrementAndGet();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) != -1) {
                head.write(b);
                if (head.size() >= 4 && head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}

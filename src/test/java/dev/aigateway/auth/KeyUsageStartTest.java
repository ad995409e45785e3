package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import dev.aigateway.api.GatewayException;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * Until the key-usage topic is read to its end an instance knows neither its own counts from before a restart
 * nor the other instances': readiness is DOWN and a keyed HTTP request gets 503 gateway_starting, never an
 * admission against counts that start at zero. (Here the broker is a loopback port that listens
 * and never answers.)
 */
class KeyUsageStartTest {

    @Test
    void noKeyedRequestIsAdmittedBeforeTheUsageIsRead() throws Exception {
        Path file = Files.createTempDirectory("keys").resolve("gateway-keys.json");
        KeyFile keys = new KeyFile(file);
        String secret = keys.create("team-start", List.of(), List.of(), 0, 5).secret();
        try (ServerSocket mute = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
                ApiKeys apiKeys = new ApiKeys(true, keys, new GatewayMetrics(new SimpleMeterRegistry()), 60_000);
                KeyUsageTopic topic = new KeyUsageTopic(Map.of("bootstrap.servers", "127.0.0.1:" + mute.getLocalPort(),
                        "request.timeout.ms", 2000, "default.api.timeout.ms", 2000), "ai.key-usage", "gw-start", 100);
                DefaultCamelContext context = new DefaultCamelContext()) {
            apiKeys.shareUsage(topic);
            var readiness = KeyUsageTopic.readiness(topic);
            assertEquals(HealthCheck.State.DOWN, readiness.call().getState());
            Exchange e = new DefaultExchange(context);
            e.getMessage().setHeader("Authorization", "Bearer " + secret);
            GatewayException refused = assertThrows(GatewayException.class, () -> apiKeys.authenticate(e, "http"));
            assertEquals(503, refused.status());
            assertEquals("gateway_starting", refused.code());
            // a Kafka record is not refused: it waits (until the topic is read, else it is consumed again)
            Exchange record = new DefaultExchange(context);
            record.getMessage().setHeader("api-key", secret);
            java.util.concurrent.atomic.AtomicReference<Throwable> ended = new java.util.concurrent.atomic.AtomicReference<>();
            Thread waiting = new Thread(() -> {
                try {
                    apiKeys.authenticate(record, "kafka");
                } catch (Throwable t) {
                    ended.set(t);
                }
            });
            waiting.start();
            org.awaitility.Awaitility.await().during(java.time.Duration.ofSeconds(1))
                    .atMost(java.time.Duration.ofSeconds(3)).until(() -> waiting.isAlive() && ended.get() == null);
            waiting.interrupt();
            waiting.join(5000);
            assertEquals(org.apache.kafka.common.KafkaException.class, ended.get().getClass(),
                    "not the record's fault: consumed again, never a failure reply");
        }
    }

    @Test
    void anInstanceIdIsKeptAcrossRestartsAndChecked() throws Exception {
        Path file = Files.createTempDirectory("data").resolve("instance-id");
        String first = KeyUsageTopic.instanceId("", file);
        assertEquals(first, KeyUsageTopic.instanceId(null, file), "the same id at the next start");
        assertEquals("gw-7", KeyUsageTopic.instanceId("gw-7", file), "the setting wins");
        assertThrows(IllegalArgumentException.class, () -> KeyUsageTopic.instanceId("a|b", file));
    }
}

package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.header;
import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * No request lost: the gateway's JVM is killed (SIGKILL) while it holds requests in flight; after a
 * restart every request has its reply, and a request answered twice keeps its request_id.
 */
class KafkaCrashTest {
    static final int REQUESTS = 100;

    @Test
    void killedMidFlightThenRestartedAnswersEveryRequest() throws Exception {
        try (KafkaTestSupport kafka = new KafkaTestSupport();
                ProviderSimulator upstream = new ProviderSimulator("127.0.0.1").start(0)) {
            upstream.provider("openai", "openai", 0).faults(Faults.none(3_000));
            upstream.provider("anthropic", "anthropic", 0);
            upstream.provider("deepseek", "openai", 0);
            String prefix = "crash-" + UUID.randomUUID() + "-";
            Process first = startGateway(kafka, upstream, "first");
            for (int i = 0; i < REQUESTS; i++) {
                kafka.send("ai.requests", "key-" + i, "{\"prompt\":\"c" + i + "\",\"request_id\":\"" + prefix + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> upstream.provider("openai").calls() >= REQUESTS);
            first.destroyForcibly().waitFor(); // SIGKILL with every request in flight, none answered
            // everything on the reply topic now (the gateway is dead: nothing more comes from it)
            long answeredBeforeCrash = withIdPrefix(kafka.readAll("ai.responses"), prefix).size();

            Process second = startGateway(kafka, upstream, "second");
            try {
                List<ConsumerRecord<byte[], byte[]>> replies = withIdPrefix(kafka.readUntil("ai.responses",
                        Duration.ofSeconds(90), all -> withIdPrefix(all, prefix).stream()
                                .map(r -> header(r, "correlation-id")).distinct().count() >= REQUESTS), prefix);
                Map<String, Long> perId = replies.stream().collect(Collectors.groupingBy(r -> header(r, "correlation-id"),
                        Collectors.counting()));
                assertEquals(REQUESTS, perId.size(), "every request_id has a reply after the restart");
                long duplicates = replies.size() - perId.size();
                System.out.println("CHAOS gateway-sigkill: sent=" + REQUESTS + " answered=" + perId.size() + " lost="
                        + (REQUESTS - perId.size()) + " duplicated=" + duplicates + " (answered before the kill: "
                        + answeredBeforeCrash + ")");
                assertTrue(duplicates <= answeredBeforeCrash, "duplicates only for what was answered but not committed: "
                        + duplicates + " > " + answeredBeforeCrash);
                assertTrue(upstream.provider("openai").calls() >= 2L * REQUESTS - answeredBeforeCrash,
                        "the in-flight requests were re-delivered and asked again");
            } finally {
                second.destroy();
                second.waitFor();
            }
        }
    }

    private static Process startGateway(KafkaTestSupport kafka, ProviderSimulator upstream, String name) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                // only the providers pointed at the loopback upstream: no probe leaves this machine
                "GATEWAY_PROVIDERS", "openai,anthropic,deepseek",
                "GATEWAY_KAFKA_SESSION_TIMEOUT_MS", "6000"));
        for (String p : new String[] { "openai", "anthropic", "deepseek" }) {
            env.put("PROVIDER_" + p.toUpperCase() + "_BASE_URL", upstream.baseUrl(p));
        }
        return kafka.startGatewayProcess(env, Files.createTempFile("gateway-" + name, ".log"));
    }
}

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.aigateway.kafka.EmbeddedKafka;

/**
 * Kafka throughput for 1, 2, 3 gateway instances in one consumer group, each calling a slow upstream (its
 * simulator, every answer 500 ms): one broker (in this JVM), the instances in JVMs of their own from the built
 * jar, N request records produced at once, timed until every one has its reply. Prints one markdown row per
 * instance count. Run by bench/scale.sh:
 *   java -cp 'target/classes:target/lib/*' bench/ScaleBench.java
 * Environment: N (records per row, 6000), INSTANCES (1,2,3), MAX_IN_FLIGHT (per instance; empty: the shipped
 * default), UPSTREAM_LATENCY (500ms), CONSUMERS (per instance, 4).
 */
public class ScaleBench {
    static final String GROUP = "ai-failover-gateway";

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(env("N", "6000"));
        String maxInFlight = env("MAX_IN_FLIGHT", "");
        String latency = env("UPSTREAM_LATENCY", "500ms");
        int consumers = Integer.parseInt(env("CONSUMERS", "4"));
        List<Integer> counts = new ArrayList<>();
        for (String c : env("INSTANCES", "1,2,3").split(",")) {
            counts.add(Integer.parseInt(c.trim()));
        }
        Path data = Files.createTempDirectory("scale-bench-kafka");
        Path logs = Path.of("target", "bench");
        Files.createDirectories(logs);
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, freePortPair())) {
            String brokers = broker.bootstrapServers();
            System.out.printf("%d records per row, upstream %s per answer, gateway.kafka.max-in-flight %s per instance, "
                    + "%d consumers per instance; JVM %s; %d cores%n", n, latency,
                    maxInFlight.isEmpty() ? "default" : maxInFlight, consumers, Runtime.version(),
                    Runtime.getRuntime().availableProcessors());
            System.out.println("| instances | requests | answered | failed | duplicates | time | requests/s | per instance | load avg |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
            for (int count : counts) {
                List<Process> gateways = new ArrayList<>();
                try {
                    for (int i = 1; i <= count; i++) {
                        gateways.add(startGateway(brokers, logs.resolve("scale-" + count + "-" + i + ".log"), latency,
                                maxInFlight, consumers));
                    }
                    awaitGroup(brokers, count * consumers, gateways);
                    run(brokers, Math.min(n, 2000), "warm-up", count); // JIT and connections: not a result
                    System.out.println(run(brokers, n, "row", count));
                } finally {
                    for (Process p : gateways) {
                        p.destroy(); // SIGTERM: in-flight finished and committed before the next row
                    }
                    for (Process p : gateways) {
                        if (!p.waitFor(60, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                    }
                }
            }
        } finally {
            deleteTree(data);
        }
    }

    /** Produces {@code n} records and waits for every reply; returns the row. */
    static String run(String brokers, int n, String what, int instances) throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8) + "-";
        try (KafkaConsumer<byte[], byte[]> replies = new KafkaConsumer<>(Map.of("bootstrap.servers", brokers,
                "enable.auto.commit", "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", brokers,
                        "linger.ms", 5, "batch.size", 262144), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<TopicPartition> partitions = replies.partitionsFor("ai.responses").stream()
                    .map(p -> new TopicPartition("ai.responses", p.partition())).toList();
            replies.assign(partitions);
            replies.seekToEnd(partitions);
            partitions.forEach(replies::position);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String body = "{\"prompt\":\"scale " + i + "\",\"request_id\":\"" + tag + i + "\"}";
                producer.send(new ProducerRecord<>("ai.requests", (tag + i).getBytes(StandardCharsets.UTF_8),
                        body.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            Set<String> answered = new HashSet<>();
            int duplicates = 0;
            int failures = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (answered.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : replies.poll(Duration.ofMillis(100))) {
                    var h = r.headers().lastHeader("correlation-id");
                    String id = h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
                    if (id.startsWith(tag)) {
                        if (!answered.add(id)) {
                            duplicates++;
                        }
                        if (!new String(r.value(), StandardCharsets.UTF_8).contains("\"success\":true")) {
                            failures++;
                        }
                    }
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            double rps = answered.size() / secs;
            // the machine's 1-minute load average at the end of the row: other work on the same cores shows here
            String load = loadAverage();
            return String.format(java.util.Locale.ROOT, "| %d | %,d | %,d | %d | %d | %.1f s | %,.0f | %,.0f | %s |", instances, n,
                    answered.size(), failures, duplicates, secs, rps, rps / instances, load);
        }
    }

    static Process startGateway(String brokers, Path log, String latency, String maxInFlight, int consumers)
            throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-jar", "target/ai-failover-gateway.jar")
                .directory(new File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_BROKERS", brokers);
        env.put("GATEWAY_HTTP_PORT", String.valueOf(freePort()));
        env.put("CAMEL_MANAGEMENT_PORT", String.valueOf(freePort()));
        env.put("GATEWAY_SIMULATOR_PORT", String.valueOf(freePort()));
        env.put("GATEWAY_SIMULATOR_MODE", "on");
        env.put("GATEWAY_SIMULATOR_LATENCY", latency);
        env.put("GATEWAY_SIMULATOR_CHUNK_INTERVAL", "0ms");
        env.put("GATEWAY_KAFKA_CONSUMERS", String.valueOf(consumers));
        env.put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
        if (!maxInFlight.isEmpty()) {
            env.put("GATEWAY_KAFKA_MAX_IN_FLIGHT", maxInFlight);
        }
        return pb.start();
    }

    /** Waits until the group is stable with every consumer of every instance in it, each holding partitions. */
    static void awaitGroup(String brokers, int members, List<Process> gateways) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", brokers))) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (true) {
                for (Process p : gateways) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("a gateway exited (see target/bench/*.log)");
                    }
                }
                try {
                    ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get();
                    long holding = g.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
                    if (g.state() == ConsumerGroupState.STABLE && g.members().size() == members
                            && holding == Math.min(members, 12)) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException notYet) {
                    // no group yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the group did not reach " + members + " members");
                }
                Thread.sleep(200);
            }
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception notLinux) {
            return "?";
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freePortPair() throws Exception {
        for (int i = 0; i < 50; i++) {
            int port = freePort();
            try (ServerSocket a = new ServerSocket(port + 1); ServerSocket b = new ServerSocket(port)) {
                return port;
            } catch (java.io.IOException taken) {
                // another pair
            }
        }
        throw new IllegalStateException("no two consecutive free ports");
    }

    static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // a temp dir: best effort
        }
    }
}

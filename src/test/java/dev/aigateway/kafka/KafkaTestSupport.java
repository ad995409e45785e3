package dev.aigateway.kafka;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;

/** A real Kafka broker for the tests (the gateway's own embedded one, on free ports), with a producer and reply reader. */
public final class KafkaTestSupport implements AutoCloseable {
    EmbeddedKafka broker;
    final Path dataDir;
    private final int port;
    private final KafkaProducer<byte[], byte[]> producer;

    /** Settings the test's own clients add (SASL login on a secured broker; empty on a PLAINTEXT one). */
    private final Map<String, Object> clientSecurity;

    KafkaTestSupport() throws IOException {
        this(Map.of(), Map.of());
    }

    /**
     * A broker whose listener is SASL_PLAINTEXT (PLAIN) for {@code users} (name to password); the test's own clients
     * log in with {@code clientSecurity} (their Kafka client settings).
     */
    KafkaTestSupport(Map<String, String> users, Map<String, Object> clientSecurity) throws IOException {
        this.clientSecurity = clientSecurity;
        dataDir = Files.createTempDirectory("kafka-test");
        port = freePortPair();
        broker = EmbeddedKafka.start(dataDir, port, users);
        producer = new KafkaProducer<>(secured(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 1)),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Map<String, Object> secured(Map<String, Object> config) {
        Map<String, Object> all = new java.util.HashMap<>(config);
        all.putAll(clientSecurity);
        return all;
    }

    /**
     * Stops the broker and starts it again on the same ports and data (a broker restart under load), once
     * {@code noticed} holds: the outage lasts until the gateway has seen it.
     */
    void restartBroker(java.util.function.BooleanSupplier noticed) throws Exception {
        broker.close();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(noticed::getAsBoolean);
        broker = EmbeddedKafka.start(dataDir, port);
    }

    /** Waits until consumer group {@code groupId} is stable with {@code members} members, each holding partitions. */
    void awaitStableGroup(String groupId, int members) {
        try (org.apache.kafka.clients.admin.Admin admin = admin()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                var group = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get();
                return group.state() == org.apache.kafka.common.ConsumerGroupState.STABLE && group.members().size() == members
                        && group.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty());
            });
        }
    }

    /** The partition assignor consumer group {@code groupId} uses now. */
    String groupAssignor(String groupId) {
        try (Admin admin = admin()) {
            return admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId).get(30, TimeUnit.SECONDS)
                    .partitionAssignor();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    String brokers() {
        return broker.bootstrapServers();
    }

    /** A gateway started on this broker, with {@code extra} settings on top (close it after use). */
    TestGateway startGateway(Map<String, String> extra) {
        Map<String, String> settings = new java.util.HashMap<>(gatewaySettings());
        settings.putAll(extra);
        return TestGateway.start(settings);
    }

    /** Gateway settings pointing at this broker. */
    Map<String, String> gatewaySettings() {
        return Map.of("gateway.kafka.enabled", "true", "kafka.brokers", brokers(), "gateway.kafka.batch-interval-ms", "20");
    }

    /** Sends one record (headers: name, value, name, value…) and waits for the broker; returns where it is. */
    RecordMetadata send(String topic, String key, String value, String... headers) {
        return sendTo(topic, null, key, value, headers);
    }

    /** As {@link #send}, to a given partition (null: the key decides). */
    RecordMetadata sendTo(String topic, Integer partition, String key, String value, String... headers) {
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            r.headers().add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        try {
            return producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The topics of the cluster now. */
    Set<String> topics() {
        try (Admin admin = admin()) {
            return admin.listTopics().names().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a topic (one replica) with the given topic configs. */
    void createTopic(String name, int partitions, Map<String, String> configs) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits until the gateway's consumer group ({@code ai-failover-gateway}) has committed past every
     * given record: each was answered (or dead-lettered) and its reply acknowledged, so whatever the
     * gateway writes for it is on the broker now. The count behind a negative check, instead of a timed read.
     */
    void awaitCommitted(RecordMetadata... records) {
        awaitCommitted("ai-failover-gateway", records);
    }

    void awaitCommitted(String groupId, RecordMetadata... records) {
        try (Admin admin = admin()) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata().get();
                for (RecordMetadata r : records) {
                    OffsetAndMetadata at = committed.get(new TopicPartition(r.topic(), r.partition()));
                    if (at == null || at.offset() <= r.offset()) {
                        return false;
                    }
                }
                return true;
            });
        }
    }

    /** The offset {@code groupId} has committed for the partition of {@code record} now (-1: none). */
    long committed(String groupId, RecordMetadata record) {
        try (Admin admin = admin()) {
            OffsetAndMetadata at = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(record.topic(), record.partition()));
            return at == null ? -1 : at.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the gateway's group has committed every record of {@code topic} (up to its end now). */
    void awaitAllCommitted(String topic) {
        try (Admin admin = admin(); KafkaConsumer<byte[], byte[]> c = consumer()) {
            Map<TopicPartition, Long> end = c.endOffsets(partitions(c, topic));
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("ai-failover-gateway")
                        .partitionsToOffsetAndMetadata().get();
                return end.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
            });
        }
    }

    /** Everything in {@code topic} now: from the beginning up to its end offsets as of this call. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            List<TopicPartition> partitions = partitions(c, topic);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            while (partitions.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        var info = c.partitionsFor(topic);
        if (info == null || info.isEmpty()) {
            throw new AssertionError("no topic " + topic);
        }
        return info.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(secured(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false")), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Admin admin() {
        return Admin.create(secured(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers())));
    }

    /** Sends raw values (any bytes) without waiting for each; flushed at the end. */
    void sendBytes(String topic, Map<String, byte[]> keyedValues) {
        keyedValues.forEach((key, value) -> producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)));
        producer.flush();
    }

    /** Reads {@code topic} from the beginning until {@code done} holds for what was read (or the timeout). */
    List<ConsumerRecord<byte[], byte[]>> readUntil(String topic, Duration timeout,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        // partitions assigned, not a group subscription: reading starts at once, no group has to form first
        try (KafkaConsumer<byte[], byte[]> c = consumer()) {
            List<TopicPartition> partitions = partitions(c, topic);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (!done.test(all) && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : text(h.value());
    }

    static JsonNode json(ConsumerRecord<byte[], byte[]> r) {
        try {
            return Json.MAPPER.readTree(r.value());
        } catch (IOException e) {
            throw new AssertionError("reply is not JSON: " + text(r.value()), e);
        }
    }

    /** Replies whose correlation-id starts with {@code prefix}. */
    static List<ConsumerRecord<byte[], byte[]>> withIdPrefix(List<ConsumerRecord<byte[], byte[]>> all, String prefix) {
        return all.stream().filter(r -> {
            String id = header(r, "correlation-id");
            return id != null && id.startsWith(prefix);
        }).toList();
    }

    /**
     * A gateway in a JVM of its own on this broker (for a SIGKILL or a SIGTERM), its log in {@code log}: own ports,
     * simulator off, no reload, then {@code env}; returns once its request consumers subscribed.
     */
    Process startGatewayProcess(Map<String, String> env, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), dev.aigateway.GatewayApplication.class.getName())
                .directory(new java.io.File(".")).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> e = pb.environment();
        e.put("KAFKA_BROKERS", brokers());
        e.put("GATEWAY_HTTP_PORT", String.valueOf(org.apache.camel.test.AvailablePortFinder.getNextAvailable()));
        e.put("CAMEL_MANAGEMENT_PORT", String.valueOf(org.apache.camel.test.AvailablePortFinder.getNextAvailable()));
        e.put("GATEWAY_SIMULATOR_MODE", "off");
        e.put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
        e.put("GATEWAY_KAFKA_BATCH_INTERVAL_MS", "20");
        e.putAll(env);
        Process process = pb.start();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("gateway exited: " + Files.readString(log));
            }
            return Files.readString(log).contains("Subscribing to topic(s) ai.requests");
        });
        return process;
    }

    /** A free port whose next port is free too (the embedded broker's controller listens on port + 1). */
    public static int freePortPair() throws IOException {
        for (int i = 0; i < 50; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            try (ServerSocket controller = new ServerSocket(port + 1); ServerSocket again = new ServerSocket(port)) {
                return port;
            } catch (IOException taken) {
                // try another pair
            }
        }
        throw new IOException("no two consecutive free ports");
    }

    @Override
    public void close() {
        producer.close();
        broker.close();
    }
}

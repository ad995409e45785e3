package dev.aigateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Identifiers;
import dev.aigateway.api.Json;

/**
 * Cluster-wide key usage on the compacted topic {@code gateway.kafka.key-usage-topic} ({@code ai.key-usage}).
 * <p>
 * Each instance publishes its own running totals per key — month and all-time counts, the rpm window's
 * last 60 one-second buckets — under record key {@code <keyId>|<instanceId>}, at most once per
 * {@code gateway.usage.publish-interval} per changed key and once more when it stops. Every instance reads
 * the whole topic (no consumer group: all partitions, from the beginning) and keeps the latest record of
 * every other instance per key; {@link ApiKeys} adds them to its own live counts for budgets and rpm.
 * <p>
 * At start it reads the topic to its end before it admits a keyed request ({@link #restored()}): its own
 * last records (same instance id) become its starting counts, so a restart neither resets the month nor
 * loses the rpm window. A record of a past month counts zero towards the month.
 */
public final class KeyUsageTopic implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeyUsageTopic.class);

    private final String topic;
    private final String instance;
    /** This run of the instance: a record with our id but another session is a second instance using our id. */
    private final String session = UUID.randomUUID().toString();
    private final long publishIntervalMs;
    private final Map<String, Object> clientConfig;
    /** keyId -> instanceId -> that instance's latest totals (never this instance's). */
    private final Map<String, Map<String, KeyUsage.Totals>> others = new ConcurrentHashMap<>();
    /** This instance's records read before it was restored: keyId -> totals. */
    private final Map<String, KeyUsage.Totals> mine = new HashMap<>();
    private final Map<String, Long> published = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final long startedMillis = System.currentTimeMillis();
    private volatile boolean restored;
    private volatile boolean closed;
    private ApiKeys keys;
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Thread reader;
    private ScheduledExecutorService publisher;

    /** @param clientConfig the Kafka client settings every client of the gateway uses (bootstrap servers, security) */
    public KeyUsageTopic(Map<String, Object> clientConfig, String topic, String instance, long publishIntervalMs) {
        this.clientConfig = Map.copyOf(clientConfig);
        this.topic = topic;
        this.instance = instance;
        this.publishIntervalMs = publishIntervalMs;
    }

    /**
     * gateway.instance-id, or when empty the id kept in {@code file} (created once: {@code gw-<random>}), so
     * the same instance keeps its id — and its usage records — across restarts.
     */
    public static String instanceId(String setting, Path file) throws IOException {
        String id = setting == null ? "" : setting.trim();
        if (id.isEmpty()) {
            if (Files.exists(file)) {
                id = Files.readString(file, StandardCharsets.UTF_8).trim();
            } else {
                id = "gw-" + UUID.randomUUID().toString().substring(0, 12);
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
                LOG.info("Instance id {} created in {} (gateway.instance-id empty): kept across restarts", id, file);
            }
        }
        if (!Identifiers.valid(id) || id.length() > 64) {
            throw new IllegalArgumentException("gateway.instance-id: '" + id.replaceAll("[^\\x20-\\x7e]", "?")
                    + "' is not an instance id (1-64 characters of A-Z a-z 0-9 . _ : -)"
                    + (setting == null || setting.isBlank() ? " (read from " + file + ")" : ""));
        }
        return id;
    }

    /** Readiness check {@code gateway/key-usage}: DOWN until {@code topic} is read to its end (see {@link #restored}). */
    public static dev.aigateway.health.StartupReadiness readiness(KeyUsageTopic topic) {
        return new dev.aigateway.health.StartupReadiness("key-usage", topic::restored, "key usage of every instance read",
                () -> "reading the key usage of every instance (gateway.kafka.key-usage-topic)");
    }

    public String instance() {
        return instance;
    }

    /** Starts reading the topic (restoring this instance's counts into {@code keys}) and publishing. */
    public synchronized void start(ApiKeys keys) {
        this.keys = keys;
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "gateway-key-usage-" + instance);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "gateway-key-usage-reader-" + instance);
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        reader = new Thread(this::read, "gateway-key-usage-reader");
        reader.setDaemon(true);
        reader.start();
        publisher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gateway-key-usage-publisher");
            t.setDaemon(true);
            return t;
        });
        publisher.scheduleWithFixedDelay(this::publishChanged, publishIntervalMs, publishIntervalMs, TimeUnit.MILLISECONDS);
    }

    /** True once the topic was read to its end at start-up: until then no keyed request is admitted. */
    public boolean restored() {
        return restored;
    }

    /** Waits up to {@code ms} for {@link #restored()}. */
    boolean awaitRestored(long ms) throws InterruptedException {
        long until = System.nanoTime() + ms * 1_000_000;
        while (!restored && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        return restored;
    }

    /** The other instances' latest totals for a key, added up (a past month's record counts zero for the month). */
    KeyUsage.Totals others(String keyId) {
        Map<String, KeyUsage.Totals> byInstance = others.get(keyId);
        KeyUsage.Totals sum = KeyUsage.Totals.ZERO;
        if (byInstance != null) {
            for (KeyUsage.Totals t : byInstance.values()) {
                sum = KeyUsage.sum(sum, t);
            }
        }
        return sum;
    }

    /** How many other instances have published usage of this key. */
    int otherInstances(String keyId) {
        Map<String, KeyUsage.Totals> byInstance = others.get(keyId);
        return byInstance == null ? 0 : byInstance.size();
    }

    private void read() {
        List<TopicPartition> partitions = null;
        Map<TopicPartition, Long> end = null;
        long lastWarn = 0;
        while (!closed) {
            try {
                if (partitions == null) {
                    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
                    if (infos == null || infos.isEmpty()) {
                        throw new IllegalStateException("topic " + topic + " not found");
                    }
                    partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        apply(r);
                    } catch (RuntimeException e) { // one bad record never costs the rest of the batch
                        ignored("malformed", "not a key-usage record (" + e.getClass().getSimpleName() + ")");
                    }
                }
                if (!restored && caughtUp(partitions, end)) {
                    finishRestore();
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                if (System.currentTimeMillis() - lastWarn > 10_000) {
                    lastWarn = System.currentTimeMillis();
                    LOG.warn("Cannot read the key-usage topic {} ({}){}", topic, e.getMessage(), restored ? ""
                            : ": keyed requests wait (HTTP 503 gateway_starting) until it is read to its end");
                }
                sleepQuietly(1000);
            }
        }
    }

    private boolean caughtUp(List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    private void finishRestore() {
        long now = System.currentTimeMillis();
        mine.forEach((key, totals) -> keys.restoreUsage(key, totals, now));
        int keysOfMine = mine.size();
        mine.clear();
        long instances = others.values().stream().flatMap(m -> m.keySet().stream()).distinct().count();
        restored = true;
        LOG.info("Key usage read from {}: {} keys restored for this instance ({}), usage of {} other instances",
                topic, keysOfMine, instance, instances);
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        String recordKey = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        int bar = recordKey.indexOf('|');
        if (bar <= 0) {
            ignored("malformed", "record key '" + clip(recordKey) + "' is not <keyId>|<instanceId>");
            return;
        }
        String keyId = recordKey.substring(0, bar);
        String from = recordKey.substring(bar + 1);
        if (r.value() == null) { // a tombstone: that instance's usage of the key is forgotten
            Map<String, KeyUsage.Totals> byInstance = others.get(keyId);
            if (byInstance != null) {
                byInstance.remove(from);
            }
            return;
        }
        JsonNode n;
        KeyUsage.Totals t;
        try {
            n = Json.MAPPER.readTree(r.value());
            if (!keyId.equals(n.path("key").asText()) || !from.equals(n.path("instance").asText())) {
                ignored("key_mismatch", "record key '" + clip(recordKey) + "' does not name its key and instance");
                return;
            }
            t = fromJson(n);
        } catch (Exception e) {
            ignored("malformed", "not a key-usage record (" + e.getClass().getSimpleName() + ")");
            return;
        }
        if (from.equals(instance)) {
            if (!restored) {
                mine.put(keyId, t); // the latest of our previous run wins
            } else if (!session.equals(n.path("session").asText())
                    && Instant.parse(n.path("timestamp").asText()).toEpochMilli() > startedMillis) {
                ignored("same_instance_id", "another running instance publishes with this instance's id '" + instance
                        + "': their usage overwrites each other; give each instance its own gateway.instance-id");
            }
            return;
        }
        others.computeIfAbsent(keyId, k -> new ConcurrentHashMap<>()).put(from, t);
    }

    private void ignored(String reason, String why) {
        if (warned.add(reason)) {
            LOG.warn("Key-usage record ignored ({}): {} (logged once per reason)", reason, why);
        } else {
            LOG.debug("Key-usage record ignored ({}): {}", reason, why);
        }
    }

    /** Publishes every key whose counts changed since its last record. */
    private void publishChanged() {
        if (!restored || keys == null) {
            return; // before the restore a record would replace our previous run's totals with zeros
        }
        try {
            long now = System.currentTimeMillis();
            for (KeyUsage u : keys.usages()) {
                long v = u.version();
                Long before = published.get(u.id());
                if (before != null && before == v) {
                    continue;
                }
                byte[] value = Json.MAPPER.writeValueAsBytes(toJson(u.id(), u.totals(now), now));
                producer.send(new ProducerRecord<>(topic, (u.id() + "|" + instance).getBytes(StandardCharsets.UTF_8),
                        value), (meta, error) -> {
                            if (error != null) {
                                published.remove(u.id()); // sent again next interval
                                if (warned.add("send")) {
                                    LOG.warn("Cannot publish key usage to {}: {} (retried every interval; logged once)",
                                            topic, error.getMessage());
                                }
                            }
                        });
                published.put(u.id(), v);
            }
        } catch (Exception e) {
            LOG.warn("Cannot publish key usage to {}: {}", topic, e.getMessage());
        }
    }

    private ObjectNode toJson(String keyId, KeyUsage.Totals t, long now) {
        ObjectNode n = Json.object().put("key", keyId).put("instance", instance).put("session", session)
                .put("timestamp", Instant.ofEpochMilli(now).toString()).put("month", t.month().toString())
                .put("month_requests", t.monthRequests()).put("month_prompt_tokens", t.monthPromptTokens())
                .put("month_completion_tokens", t.monthCompletionTokens())
                .put("month_estimated_requests", t.monthEstimated()).put("month_cost_usd", t.monthCostUsd())
                .put("requests", t.requests()).put("prompt_tokens", t.promptTokens())
                .put("completion_tokens", t.completionTokens()).put("estimated_requests", t.estimated())
                .put("cost_usd", t.costUsd());
        ArrayNode window = n.putArray("window");
        for (int i = 0; i < t.windowSeconds().length; i++) {
            window.addArray().add(t.windowSeconds()[i]).add(t.windowCounts()[i]);
        }
        return n;
    }

    static KeyUsage.Totals fromJson(JsonNode n) {
        for (String f : List.of("month_requests", "month_cost_usd", "requests", "cost_usd")) {
            if (!n.path(f).isNumber()) {
                throw new IllegalArgumentException("needs " + f + " (number)");
            }
        }
        JsonNode w = n.path("window");
        int size = w.isArray() ? Math.min(w.size(), KeyUsage.WINDOW_S) : 0;
        long[] s = new long[size];
        long[] c = new long[size];
        for (int i = 0; i < size; i++) {
            s[i] = w.get(i).path(0).asLong();
            c[i] = Math.max(0, w.get(i).path(1).asLong());
        }
        // nothing negative: a record must not give a key budget back
        return new KeyUsage.Totals(YearMonth.parse(n.path("month").asText()), count(n, "month_requests"),
                count(n, "month_prompt_tokens"), count(n, "month_completion_tokens"),
                count(n, "month_estimated_requests"), usd(n, "month_cost_usd"), count(n, "requests"),
                count(n, "prompt_tokens"), count(n, "completion_tokens"), count(n, "estimated_requests"),
                usd(n, "cost_usd"), s, c);
    }

    private static long count(JsonNode n, String field) {
        return Math.max(0, n.path(field).asLong());
    }

    private static double usd(JsonNode n, String field) {
        double v = n.path(field).asDouble();
        return Double.isFinite(v) && v > 0 ? v : 0;
    }

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "…";
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes what changed since the last interval (waiting for the broker), then stops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        if (publisher != null) {
            publisher.shutdown();
            try {
                publisher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            publishChanged();
            producer.flush();
            producer.close(Duration.ofSeconds(5));
        }
        closed = true;
        if (consumer != null) {
            consumer.wakeup();
            try {
                reader.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                consumer.close(Duration.ofSeconds(2));
            } catch (RuntimeException e) {
                LOG.debug("Key-usage reader closed: {}", e.getMessage());
            }
        }
    }
}

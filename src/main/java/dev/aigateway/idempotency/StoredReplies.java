package dev.aigateway.idempotency;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;

/**
 * The replies already given, by request_id: an LRU map of at most gateway.idempotency.max-entries entries,
 * none older than gateway.idempotency.ttl. With Kafka, every entry is also written to the compacted topic
 * gateway.idempotency.topic (key = request_id) and every instance reads the whole topic (assigned
 * partitions, no group) from now - ttl into its map: a reply stored by one instance is found by all, and
 * after a restart. Until this instance has read the topic up to the end offsets it saw at start it is not
 * {@link #caughtUp()}. Without Kafka the map is this instance's own.
 * <p>
 * Concurrent duplicates: the first request of an id {@linkplain #lookupOrClaim claims} it; a second one on
 * this instance waits for the first's reply instead of calling a provider too.
 */
public final class StoredReplies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StoredReplies.class);

    /**
     * One stored reply. {@code scope} is the ingress and gateway key it was given to (only the same scope
     * gets it replayed); {@code origin} the Kafka record that was answered (topic/partition/offset), else null.
     * The reply is kept as its JSON bytes, parsed again by {@link #reply()} (only a replay needs it): up to
     * gateway.idempotency.max-entries are held, and as Jackson trees they took ~3x the heap (they filled a
     * 512 MiB heap under the Kafka benchmark).
     */
    public record Entry(String requestId, String scope, long storedAtMs, String origin, boolean success, byte[] replyJson) {
        public Entry(String requestId, String scope, long storedAtMs, String origin, ObjectNode reply) {
            this(requestId, scope, storedAtMs, origin, reply.path("success").asBoolean(true), bytes(reply));
        }

        /** The stored reply, a tree of its own on every call (the caller may change it). */
        public ObjectNode reply() {
            try {
                return (ObjectNode) Json.MAPPER.readTree(replyJson);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
        }

        byte[] toBytes() {
            ObjectNode n = Json.object().put("scope", scope).put("stored_at", storedAtMs).put("origin", origin);
            n.putRawValue("reply", new com.fasterxml.jackson.databind.util.RawValue(
                    new String(replyJson, StandardCharsets.UTF_8)));
            return bytes(n);
        }

        static Entry fromBytes(String requestId, byte[] value) throws Exception {
            JsonNode n = Json.MAPPER.readTree(value);
            if (!(n.get("reply") instanceof ObjectNode reply)) {
                throw new IllegalArgumentException("no reply object");
            }
            return new Entry(requestId, n.path("scope").asText(), n.path("stored_at").asLong(),
                    n.path("origin").isTextual() ? n.get("origin").asText() : null, reply);
        }

        private static byte[] bytes(JsonNode n) {
            try {
                return Json.MAPPER.writeValueAsBytes(n);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private final long ttlMs;
    private final int maxEntries;
    private final Map<String, Entry> entries;
    private final Map<String, CompletableFuture<Entry>> inFlight = new ConcurrentHashMap<>();
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean closed;
    private Thread reader;

    private StoredReplies(long ttlMs, int maxEntries, String topic, Map<String, Object> kafka) {
        this.ttlMs = ttlMs;
        this.maxEntries = maxEntries;
        this.entries = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, StoredReplies.Entry> eldest) {
                return size() > StoredReplies.this.maxEntries;
            }
        };
        this.topic = topic;
        if (kafka == null) {
            producer = null;
            consumer = null;
            caughtUp.countDown();
            return;
        }
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> c = new HashMap<>(kafka);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a reply stored by another instance should be seen here within milliseconds, not the 500 ms default
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20);
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** This instance's own store (gateway.kafka.enabled=false): lost on restart, not shared. */
    public static StoredReplies inMemory(long ttlMs, int maxEntries) {
        return new StoredReplies(ttlMs, maxEntries, null, null);
    }

    /** A store shared through {@code topic}; {@code kafka} holds the client settings (bootstrap servers...). */
    public static StoredReplies onTopic(long ttlMs, int maxEntries, String topic, Map<String, Object> kafka) {
        StoredReplies store = new StoredReplies(ttlMs, maxEntries, topic, kafka);
        store.reader = new Thread(store::read, "idempotency-store-reader");
        store.reader.setDaemon(true);
        store.reader.start();
        return store;
    }

    public long ttlMs() {
        return ttlMs;
    }

    /** True once the topic was read up to the end offsets seen at start (always true without Kafka). */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Waits until {@link #caughtUp()}, at most {@code ms}; returns whether it is. */
    public boolean awaitCaughtUp(long ms) throws InterruptedException {
        return caughtUp.await(ms, TimeUnit.MILLISECONDS);
    }

    /** The stored reply of {@code requestId}, or null (none, or older than the TTL). */
    public Entry get(String requestId) {
        synchronized (entries) {
            Entry e = entries.get(requestId);
            if (e != null && expired(e, System.currentTimeMillis())) {
                entries.remove(requestId);
                return null;
            }
            return e;
        }
    }

    public int size() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /**
     * The stored reply of {@code requestId}; when there is none, and no other request of this instance is
     * answering it, null: the caller now holds the claim and must end it with {@link #store} or
     * {@link #release}. When one is answering it, waits for its reply (at most {@code waitMs}); if it ends
     * without a stored reply, the caller tries to claim again.
     *
     * @throws TimeoutException when the running duplicate did not finish within {@code waitMs}
     */
    public Entry lookupOrClaim(String requestId, long waitMs) throws TimeoutException, InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            Entry stored = get(requestId);
            if (stored != null) {
                return stored;
            }
            CompletableFuture<Entry> mine = new CompletableFuture<>();
            CompletableFuture<Entry> running = inFlight.putIfAbsent(requestId, mine);
            if (running == null) {
                stored = get(requestId); // stored between the first look and the claim
                if (stored != null) {
                    release(requestId);
                }
                return stored;
            }
            try {
                Entry theirs = running.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (theirs != null) {
                    return theirs;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // ended without a reply: claim it ourselves
            }
        }
    }

    /** Ends a claim without a stored reply (an error, a refusal): a waiting duplicate tries itself. */
    public void release(String requestId) {
        CompletableFuture<Entry> claim = inFlight.remove(requestId);
        if (claim != null) {
            claim.complete(null);
        }
    }

    /**
     * Stores a reply (and ends the claim, handing the reply to waiting duplicates). With Kafka it is also
     * written to the topic: {@code sync} waits for the broker's acknowledgement (a Kafka record is committed
     * only after its reply is stored), else a failed write is only logged.
     */
    public void store(Entry entry, boolean sync) throws Exception {
        put(entry);
        CompletableFuture<Entry> claim = inFlight.remove(entry.requestId());
        if (claim != null) {
            claim.complete(entry);
        }
        if (producer == null) {
            return;
        }
        var sent = producer.send(new ProducerRecord<>(topic, null, entry.storedAtMs(),
                entry.requestId().getBytes(StandardCharsets.UTF_8), entry.toBytes()), (meta, e) -> {
                    if (e != null && !sync) {
                        LOG.warn("Reply of request {} not stored on {} ({}): another instance may answer it again",
                                entry.requestId(), topic, e.getMessage());
                    }
                });
        if (sync) {
            sent.get(30, TimeUnit.SECONDS);
        }
    }

    private void put(Entry e) {
        synchronized (entries) {
            Entry old = entries.get(e.requestId());
            if (old == null || old.storedAtMs() <= e.storedAtMs()) {
                entries.put(e.requestId(), e);
            }
        }
    }

    private boolean expired(Entry e, long now) {
        return now - e.storedAtMs() >= ttlMs;
    }

    /** The reader thread: the topic from now - ttl into the map, then every new entry as it arrives. */
    private void read() {
        long started = System.currentTimeMillis();
        Map<TopicPartition, Long> end = null;
        long lastPurge = started;
        long warnedAt = 0;
        int read = 0;
        while (!closed) {
            try {
                if (end == null) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    if (partitions.isEmpty()) {
                        // a topic just created: its metadata is on its way; else it is missing
                        if (System.currentTimeMillis() - started > 10_000 && System.currentTimeMillis() - warnedAt > 30_000) {
                            warnedAt = System.currentTimeMillis();
                            LOG.warn("The idempotency store topic {} has no partitions: create it (cleanup.policy=compact) "
                                    + "or set gateway.idempotency.enabled=false; until then this instance is not ready", topic);
                        }
                        Thread.sleep(200);
                        continue;
                    }
                    consumer.assign(partitions);
                    Map<TopicPartition, Long> since = new HashMap<>();
                    partitions.forEach(p -> since.put(p, System.currentTimeMillis() - ttlMs));
                    Map<TopicPartition, OffsetAndTimestamp> from = consumer.offsetsForTimes(since);
                    for (TopicPartition p : partitions) {
                        OffsetAndTimestamp at = from.get(p);
                        if (at == null) {
                            consumer.seekToEnd(List.of(p)); // nothing younger than the TTL
                        } else {
                            consumer.seek(p, at.offset());
                        }
                    }
                    end = consumer.endOffsets(partitions);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                    read++;
                }
                if (!caughtUp()) {
                    boolean done = true;
                    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                        done &= consumer.position(e.getKey()) >= e.getValue();
                    }
                    if (done) {
                        LOG.info("Idempotency store ready: {} stored replies read from {} in {} ms", read, topic,
                                System.currentTimeMillis() - started);
                        caughtUp.countDown();
                    }
                }
                long now = System.currentTimeMillis();
                if (now - lastPurge > Math.min(ttlMs, 60_000)) {
                    lastPurge = now;
                    synchronized (entries) {
                        entries.values().removeIf(e -> expired(e, now));
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                if (System.currentTimeMillis() - warnedAt > 30_000) {
                    warnedAt = System.currentTimeMillis();
                    LOG.warn("Reading the idempotency store {} failed ({}); retrying", topic, e.getMessage());
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        if (r.key() == null) {
            return;
        }
        String id = new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            synchronized (entries) {
                entries.remove(id); // a tombstone
            }
            return;
        }
        if (r.timestampType() == org.apache.kafka.common.record.TimestampType.CREATE_TIME) {
            synchronized (entries) {
                Entry known = entries.get(id);
                if (known != null && known.storedAtMs() >= r.timestamp()) {
                    return; // this instance's own entry (or a newer one), read back: nothing to parse
                }
            }
        }
        try {
            Entry e = Entry.fromBytes(id, r.value());
            if (!expired(e, System.currentTimeMillis())) {
                put(e);
            }
        } catch (Exception bad) {
            LOG.warn("Ignored an unreadable record on {} at {}-{}@{}: {}", topic, r.topic(), r.partition(), r.offset(),
                    bad.getMessage());
        }
    }

    @Override
    public void close() {
        closed = true;
        if (consumer != null) {
            consumer.wakeup();
            try {
                if (reader != null) {
                    reader.join(5000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer.close(Duration.ofSeconds(2));
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}

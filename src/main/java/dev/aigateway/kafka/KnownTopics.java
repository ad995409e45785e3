package dev.aigateway.kafka;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Does a reply-to topic exist? A send to a missing topic on a cluster without auto-creation blocks for a
 * minute and then fails like a broker outage, so a request naming one is refused instead. A request never
 * creates a topic (an operator creates it, or lists it in gateway.kafka.reply-topics).
 * <p>
 * The hot path is a lookup in an immutable set, no lock. An unknown name triggers a re-read of the
 * cluster's topic names, but at most one at a time and at most one per {@link #REFRESH_MS}: concurrent
 * misses share the one in flight, later misses inside the interval are answered from the cache. So a flood
 * of bad reply-to headers costs the admin client one listTopics every few seconds, not one per record.
 */
final class KnownTopics implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnownTopics.class);
    static final long REFRESH_MS = 5_000;

    private final String brokers;
    private final AtomicReference<CompletableFuture<Set<String>>> refreshing = new AtomicReference<>();
    private volatile Set<String> names = Set.of();
    private volatile long refreshedAt = Long.MIN_VALUE / 2;
    private Admin admin; // only touched by the one thread running a refresh, and close()
    private volatile boolean closed;
    private volatile boolean listFailed;
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();

    private final KafkaClientSecurity security;

    KnownTopics(String brokers) {
        this(brokers, KafkaClientSecurity.plaintext());
    }

    KnownTopics(String brokers, KafkaClientSecurity security) {
        this.brokers = brokers;
        this.security = security;
    }

    /**
     * True when the topic exists; false when the cluster's topic list, read within REFRESH_MS, lacks it.
     * When that list could not be read, a KafkaException: not the record's fault, it is consumed again.
     */
    @Override
    public boolean test(String topic) {
        if (names.contains(topic) || refresh().contains(topic)) {
            return true;
        }
        if (listFailed) {
            throw new KafkaException("could not list the Kafka topics to check reply-to topic '" + topic + "'");
        }
        return false;
    }

    /** The cluster's topic names, re-read when the cache is older than REFRESH_MS (one reader at a time). */
    private Set<String> refresh() {
        if (System.nanoTime() / 1_000_000 - refreshedAt < REFRESH_MS) {
            return names;
        }
        CompletableFuture<Set<String>> mine = new CompletableFuture<>();
        CompletableFuture<Set<String>> running = refreshing.compareAndExchange(null, mine);
        if (running == null) {
            try {
                if (System.nanoTime() / 1_000_000 - refreshedAt >= REFRESH_MS) { // nobody refreshed meanwhile
                    names = listTopics();
                }
            } finally {
                refreshedAt = System.nanoTime() / 1_000_000; // a failed read also waits for the next interval
                refreshing.set(null);
                mine.complete(names);
            }
            return names;
        }
        try {
            return running.get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            return names;
        }
    }

    private Set<String> listTopics() {
        try {
            synchronized (this) {
                if (closed) {
                    return names;
                }
                if (admin == null) {
                    admin = Admin.create(security.with(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                            AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000)));
                }
            }
            reads.incrementAndGet();
            Set<String> read = Set.copyOf(admin.listTopics().names().get(10, TimeUnit.SECONDS));
            listFailed = false;
            return read;
        } catch (Exception e) {
            listFailed = true;
            LOG.warn("Could not list Kafka topics to check a reply-to header: {}", e.getMessage());
            return names;
        }
    }

    /** How often the topic names were read from the cluster (for tests). */
    int reads() {
        return reads.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (admin != null) {
            admin.close();
        }
    }
}

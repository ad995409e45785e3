package dev.aigateway.kafka;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a reply-to topic exists. A send to a missing topic on a cluster without auto-creation blocks
 * for a minute and then fails like a broker outage, which would re-deliver the request forever; asking
 * first turns it into a refused record instead. Topic names are cached and re-read at most every 5 s.
 */
final class KnownTopics implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnownTopics.class);
    private static final long REFRESH_MS = 5_000;

    private final String brokers;
    private Admin admin;
    private volatile Set<String> names = Set.of();
    private long refreshedAt;

    KnownTopics(String brokers) {
        this.brokers = brokers;
    }

    @Override
    public boolean test(String topic) {
        if (names.contains(topic)) {
            return true;
        }
        return refresh().contains(topic);
    }

    private synchronized Set<String> refresh() {
        if (System.currentTimeMillis() - refreshedAt < REFRESH_MS) {
            return names;
        }
        refreshedAt = System.currentTimeMillis();
        try {
            if (admin == null) {
                admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
            }
            names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("Could not list Kafka topics to check a reply-to header: {}", e.getMessage());
        }
        return names;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}

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
 * Makes sure an allowed reply-to topic exists before a reply is sent to it: a send to a missing topic on
 * a cluster without auto-creation blocks for a minute and then fails like a broker outage, which would
 * re-deliver the request forever. A missing topic is created (it already matched
 * gateway.kafka.reply-topic-pattern); when that is not allowed either, the record is refused instead.
 * Topic names are cached and re-read at most every 5 s.
 */
final class KnownTopics implements Predicate<String>, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KnownTopics.class);
    private static final long REFRESH_MS = 5_000;

    private final String brokers;
    private Admin admin;
    private volatile Set<String> names = Set.of();
    private long refreshedAt;

    private final int partitions;

    KnownTopics(String brokers, int partitions) {
        this.brokers = brokers;
        this.partitions = partitions;
    }

    @Override
    public boolean test(String topic) {
        if (names.contains(topic) || refresh().contains(topic)) {
            return true;
        }
        return create(topic);
    }

    private synchronized boolean create(String topic) {
        try {
            admin().createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic(topic,
                    java.util.Optional.of(partitions), java.util.Optional.empty()))).all().get(10, TimeUnit.SECONDS);
            LOG.info("Created reply topic {} for a reply-to header", topic);
        } catch (Exception e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                LOG.warn("Reply topic {} does not exist and could not be created: {}", topic, e.getMessage());
                return false;
            }
        }
        java.util.Set<String> more = new java.util.HashSet<>(names);
        more.add(topic);
        names = more;
        return true;
    }

    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers));
        }
        return admin;
    }

    private synchronized Set<String> refresh() {
        if (System.currentTimeMillis() - refreshedAt < REFRESH_MS) {
            return names;
        }
        refreshedAt = System.currentTimeMillis();
        try {
            names = admin().listTopics().names().get(10, TimeUnit.SECONDS);
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

package dev.aigateway.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

import io.micrometer.core.instrument.Counter;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.chain.Secrets;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * Runs a polled batch of request records concurrently, then commits. A slow provider must not serialise
 * a partition, yet an offset may only be committed once every record before it has its reply
 * acknowledged by the broker. So: every record of the batch runs at once ({@link #processAll}); then, on
 * the consumer's own thread, each partition is committed up to its last answered record, and when a
 * record could not be answered the consumer seeks back to it, so it is polled again ({@link #commit}).
 * <p>
 * No record may stall its partition: a record consumed again more than gateway.kafka.max-redeliveries
 * times is only dead-lettered ({@code redelivery_limit}), and a record whose dead letter cannot be written
 * either, or that failed in a way only the record causes (its reply refused as too large or not
 * serialisable even on the dead-letter path), is skipped: one ERROR line and the counter
 * {@code gateway_kafka_skipped_records_total}.
 * <p>
 * Rebalances re-deliver nothing that was answered (with the cooperative-sticky assignor a partition that stays
 * with its consumer is not even paused): a record whose partition was taken away before its batch ran is left to
 * the partition's new owner ({@link #processAll}); a commit refused because the group is rebalancing is kept and
 * made when the partition is revoked ({@link #revoked}, called by {@link KafkaRebalances} inside the poll that
 * hands it over) or with the next batch.
 */
public class KafkaBatch {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatch.class);
    private static final String COMMITS = "gatewayBatchCommits";
    private static final java.time.Duration COMMIT_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** Exchange property: why a record is given up (its dead letter's reason). */
    static final String GIVE_UP_REASON = "gatewayGiveUpReason";

    private final ProducerTemplate template;
    private final ExecutorService workers;
    private final String recordRoute;
    private final String giveUpRoute;
    private final Redeliveries redeliveries;
    /** Partitions sought back to an offset, until the record at that offset is consumed again. */
    private final Map<TopicPartition, Long> rewound = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;
    /** Offsets (next record to read) answered but not committed because the group was rebalancing. */
    private final Map<TopicPartition, Long> pending = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicInteger inFlight;

    public KafkaBatch(ProducerTemplate template, ExecutorService workers, String recordRoute, String giveUpRoute,
            int maxRedeliveries, GatewayMetrics metrics) {
        this.inFlight = metrics.kafkaInFlight();
        this.template = template;
        this.workers = workers;
        this.recordRoute = recordRoute;
        this.giveUpRoute = giveUpRoute;
        this.redeliveries = new Redeliveries(maxRedeliveries);
        this.metrics = metrics;
    }

    /** Sends every record of the batch through the record route at once; returns when all are done. */
    public void processAll(Exchange batch) {
        List<Exchange> all = records(batch);
        // the record route replaces message headers: keep each record's commit handle aside
        Map<Exchange, DefaultKafkaManualCommit> commits = new HashMap<>();
        List<Exchange> records = new ArrayList<>();
        // camel-kafka gathers a batch over several polls: a poll in between may have handed a partition to another
        // consumer, which reads it from the last commit. Those records are its to answer, not this one's.
        java.util.Set<TopicPartition> owned = all.isEmpty() ? java.util.Set.of() : handle(all.get(0)).getConsumer().assignment();
        int leftToNewOwner = 0;
        for (Exchange record : all) {
            DefaultKafkaManualCommit handle = handle(record);
            if (!owned.contains(handle.getPartition())) {
                leftToNewOwner++;
                continue;
            }
            if (stale(handle)) {
                continue; // fetched before a seek back: it comes again, after the record it was rewound to
            }
            commits.put(record, handle);
            records.add(record);
        }
        if (leftToNewOwner > 0) {
            LOG.info("{} request records not run: their partitions moved to another consumer in a rebalance, which answers "
                    + "them", leftToNewOwner);
        }
        batch.setProperty(COMMITS, commits);
        CompletableFuture<?>[] running = new CompletableFuture<?>[records.size()];
        for (int i = 0; i < running.length; i++) {
            Exchange record = records.get(i);
            DefaultKafkaManualCommit handle = commits.get(record);
            Redeliveries.Failure failed = redeliveries.exceeded(handle.getPartition(), handle.getRecordOffset());
            if (failed != null) {
                record.setProperty(GIVE_UP_REASON, "Its reply could not be delivered in " + failed.count()
                        + " attempts (gateway.kafka.max-redeliveries=" + redeliveries.max() + "); last failure: "
                        + failed.reason());
            }
            String route = failed != null ? giveUpRoute : recordRoute;
            inFlight.incrementAndGet();
            running[i] = CompletableFuture.runAsync(() -> {
                try {
                    template.send(route, record);
                } finally {
                    inFlight.decrementAndGet();
                }
            }, workers);
        }
        CompletableFuture.allOf(running).join();
    }

    /**
     * After a seek back to offset O, camel-kafka still hands over the records of the poll that was under way
     * (fetched before the seek, offsets above O) as the next batch. They must be neither run nor committed
     * (a commit past O would lose the record at O on a crash), and they come again after O. In poll order, so
     * the record at O ends the rewind.
     */
    private boolean stale(DefaultKafkaManualCommit handle) {
        Long rewoundTo = rewound.get(handle.getPartition());
        if (rewoundTo == null || handle.getRecordOffset() < rewoundTo) {
            return false;
        }
        if (handle.getRecordOffset() == rewoundTo) {
            rewound.remove(handle.getPartition());
            return false;
        }
        // seek again after this batch: harmless when the position is already there, and it heals a rewind left
        // behind by a partition that moved away and came back
        try {
            handle.getConsumer().seek(handle.getPartition(), rewoundTo);
        } catch (IllegalStateException notAssigned) {
            rewound.remove(handle.getPartition()); // the partition moved away: its new owner reads from the commit
        }
        return true;
    }

    /**
     * Commits what was answered, partition by partition; seeks back to the first record that was not,
     * unless retrying it cannot help (then it is skipped, see the class comment).
     */
    @SuppressWarnings("unchecked")
    public void commit(Exchange batch) {
        Map<Exchange, DefaultKafkaManualCommit> commits = batch.getProperty(COMMITS, Map.class);
        if (commits == null || commits.isEmpty()) {
            return;
        }
        Consumer<?, ?> consumer = commits.values().iterator().next().getConsumer();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Map<TopicPartition, List<Exchange>> byPartition = new HashMap<>();
        for (Exchange record : records(batch)) {
            if (!commits.containsKey(record)) {
                continue; // stale
            }
            byPartition.computeIfAbsent(commits.get(record).getPartition(), p -> new ArrayList<>()).add(record);
        }
        byPartition.forEach((partition, records) -> {
            records.sort(Comparator.comparingLong(r -> commits.get(r).getRecordOffset()));
            Exchange lastAnswered = null;
            for (Exchange record : records) {
                Exception failure = record.getException();
                if (failure != null) {
                    DefaultKafkaManualCommit failed = commits.get(record);
                    long offset = failed.getRecordOffset();
                    String why = Secrets.mask(String.valueOf(failure.getMessage()));
                    boolean gaveUp = record.getProperty(GIVE_UP_REASON) != null;
                    if (gaveUp || KafkaIngress.recordFault(failure) != failure) {
                        LOG.error("Request {}-{}@{} skipped: {} and its dead letter could not be written ({}); "
                                + "the record stays in the topic at that offset", partition.topic(), partition.partition(),
                                offset, gaveUp ? "consumed too often" : "it cannot be answered", why);
                        Counter.builder("gateway.kafka.skipped.records")
                                .description("request records skipped: neither answered nor dead-lettered")
                                .register(metrics.registry()).increment();
                        lastAnswered = record;
                        continue;
                    }
                    int count = redeliveries.failed(partition, offset, why);
                    LOG.error("Request {}-{}@{} could not be answered ({}); it will be consumed again ({})", partition.topic(),
                            partition.partition(), offset, why, count <= redeliveries.max()
                                    ? "redelivery " + count + " of at most " + redeliveries.max()
                                    : "only to be dead-lettered: gateway.kafka.max-redeliveries reached");
                    failed.getConsumer().seek(partition, offset);
                    rewound.put(partition, offset);
                    break;
                }
                lastAnswered = record;
            }
            if (lastAnswered != null) {
                offsets.put(partition, new OffsetAndMetadata(commits.get(lastAnswered).getRecordOffset() + 1));
                redeliveries.forgetUpTo(partition, commits.get(lastAnswered).getRecordOffset());
            }
        });
        // what an earlier batch could not commit during a rebalance, for the partitions this consumer still has
        java.util.Set<TopicPartition> owned = consumer.assignment();
        pending.forEach((partition, next) -> {
            if (owned.contains(partition)) {
                offsets.merge(partition, new OffsetAndMetadata(next), (a, b) -> a.offset() >= b.offset() ? a : b);
            }
        });
        commitNow(consumer, offsets);
    }

    /** Commits {@code offsets}; during a rebalance keeps them for {@link #revoked} or the next batch instead. */
    private void commitNow(Consumer<?, ?> consumer, Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets, COMMIT_TIMEOUT);
            // a deferred offset this commit passed must go: committed later, it would move the partition back
            offsets.forEach((partition, at) -> pending.computeIfPresent(partition, (p, next) -> next <= at.offset() ? null : next));
        } catch (RebalanceInProgressException rebalancing) {
            // the consumer joins the new generation at its next poll: the partitions it gives up are committed then
            offsets.forEach((partition, at) -> pending.merge(partition, at.offset(), Math::max));
            LOG.info("Commit of {} partitions deferred: the consumer group is rebalancing; they are committed when a "
                    + "partition is handed over, or when the rebalance completes", offsets.size());
        } catch (CommitFailedException | org.apache.kafka.common.errors.WakeupException
                | org.apache.kafka.common.errors.InterruptException | org.apache.kafka.common.errors.TimeoutException e) {
            offsets.keySet().forEach(pending::remove);
            LOG.warn("Could not commit {} partitions ({}): their records since the last commit will be delivered again "
                    + "(answered again unless their replies are stored)", offsets.size(), e.getMessage());
        }
    }

    /**
     * Partitions taken away from {@code consumer} in a rebalance (inside its poll, before another consumer gets
     * them): commits what was answered for them and not yet committed, and forgets their rewinds and redelivery
     * counts (the new owner counts afresh).
     */
    void revoked(Consumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition p : partitions) {
            Long next = pending.remove(p);
            if (next != null) {
                offsets.put(p, new OffsetAndMetadata(next));
            }
        }
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets, COMMIT_TIMEOUT);
                LOG.info("Committed the answered records of {} partitions handed over in a rebalance", offsets.size());
            } catch (RuntimeException e) {
                LOG.warn("Could not commit {} partitions handed over in a rebalance ({}): their answered records will be "
                        + "delivered again", offsets.size(), e.getMessage());
            }
        }
        forget(partitions);
    }

    /**
     * A rebalance of {@code consumer}'s group completed (inside its poll): commits what an earlier batch could not
     * while the group was rebalancing, for the partitions it keeps; without this a commit deferred after the last
     * batch of a burst would wait for the next burst.
     */
    void rebalanced(Consumer<?, ?> consumer) {
        if (pending.isEmpty()) {
            return;
        }
        java.util.Set<TopicPartition> owned = consumer.assignment();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        pending.forEach((partition, next) -> {
            if (owned.contains(partition)) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        });
        commitNow(consumer, offsets);
    }

    /** Partitions lost without a hand-over (the consumer was out of the group): nothing can be committed for them. */
    void lost(java.util.Collection<TopicPartition> partitions) {
        partitions.forEach(pending::remove);
        forget(partitions);
    }

    private void forget(java.util.Collection<TopicPartition> partitions) {
        for (TopicPartition p : partitions) {
            rewound.remove(p);
            redeliveries.forgetUpTo(p, Long.MAX_VALUE);
        }
    }

    private static DefaultKafkaManualCommit handle(Exchange record) {
        return record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class);
    }

    @SuppressWarnings("unchecked")
    private static List<Exchange> records(Exchange batch) {
        List<Exchange> records = batch.getMessage().getBody(List.class);
        return records == null ? List.of() : records;
    }

    /**
     * How often each record was handed back to its partition (seek back after a failure). Kept in memory
     * per instance: a record whose partition moves to another instance starts counting again there, which
     * still bounds it. Only failing records have an entry; committed ones are forgotten.
     */
    static final class Redeliveries {
        static final int CAPACITY = 100_000;

        record Failure(int count, String reason) {
        }

        private record Key(TopicPartition partition, long offset) {
        }

        private final int max;
        private final Map<Key, Failure> failures = new ConcurrentHashMap<>();

        Redeliveries(int max) {
            this.max = max;
        }

        int max() {
            return max;
        }

        /** Records a failed delivery; returns how often the record has now been handed back. */
        int failed(TopicPartition partition, long offset, String reason) {
            if (failures.size() >= CAPACITY) {
                failures.clear(); // only after partitions moved away en masse: counting restarts, still bounded
            }
            return failures.merge(new Key(partition, offset), new Failure(1, reason),
                    (old, one) -> new Failure(old.count() + 1, reason)).count();
        }

        /** The record's failures when it was handed back more than max times (give it up), else null. */
        Failure exceeded(TopicPartition partition, long offset) {
            if (failures.isEmpty()) {
                return null;
            }
            Failure f = failures.get(new Key(partition, offset));
            return f != null && f.count() > max ? f : null;
        }

        /** The partition was committed up to {@code offset}: those records are done. */
        void forgetUpTo(TopicPartition partition, long offset) {
            if (!failures.isEmpty()) {
                failures.keySet().removeIf(k -> k.partition().equals(partition) && k.offset() <= offset);
            }
        }

        int size() {
            return failures.size();
        }
    }
}

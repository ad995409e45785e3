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
import org.apache.kafka.common.TopicPartition;
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
 */
public class KafkaBatch {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatch.class);
    private static final String COMMITS = "gatewayBatchCommits";
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
        for (Exchange record : all) {
            DefaultKafkaManualCommit handle = record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT,
                    DefaultKafkaManualCommit.class);
            if (stale(handle)) {
                continue; // fetched before a seek back: it comes again, after the record it was rewound to
            }
            commits.put(record, handle);
            records.add(record);
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
                commits.get(lastAnswered).commit();
                redeliveries.forgetUpTo(partition, commits.get(lastAnswered).getRecordOffset());
            }
        });
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

package dev.aigateway.kafka;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.consumer.DefaultKafkaManualCommit;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a polled batch of request records concurrently, then commits. A slow provider must not serialise
 * a partition, yet an offset may only be committed once every record before it has its reply
 * acknowledged by the broker. So: every record of the batch runs at once ({@link #processAll}); then, on
 * the consumer's own thread, each partition is committed up to its last answered record, and when a
 * record could not be answered the consumer seeks back to it, so it is polled again ({@link #commit}).
 */
public class KafkaBatch {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatch.class);
    private static final String COMMITS = "gatewayBatchCommits";

    private final ProducerTemplate template;
    private final ExecutorService workers;
    private final String recordRoute;

    private final java.util.concurrent.atomic.AtomicInteger inFlight;

    public KafkaBatch(ProducerTemplate template, ExecutorService workers, String recordRoute,
            java.util.concurrent.atomic.AtomicInteger inFlight) {
        this.inFlight = inFlight;
        this.template = template;
        this.workers = workers;
        this.recordRoute = recordRoute;
    }

    /** Sends every record of the batch through the record route at once; returns when all are done. */
    public void processAll(Exchange batch) {
        List<Exchange> records = records(batch);
        // the record route replaces message headers: keep each record's commit handle aside
        Map<Exchange, DefaultKafkaManualCommit> commits = new HashMap<>();
        for (Exchange record : records) {
            commits.put(record, record.getMessage().getHeader(KafkaConstants.MANUAL_COMMIT, DefaultKafkaManualCommit.class));
        }
        batch.setProperty(COMMITS, commits);
        CompletableFuture<?>[] running = new CompletableFuture<?>[records.size()];
        for (int i = 0; i < running.length; i++) {
            Exchange record = records.get(i);
            inFlight.incrementAndGet();
            running[i] = CompletableFuture.runAsync(() -> {
                try {
                    template.send(recordRoute, record);
                } finally {
                    inFlight.decrementAndGet();
                }
            }, workers);
        }
        CompletableFuture.allOf(running).join();
    }

    /** Commits what was answered, partition by partition; seeks back to the first record that was not. */
    @SuppressWarnings("unchecked")
    public void commit(Exchange batch) {
        Map<Exchange, DefaultKafkaManualCommit> commits = batch.getProperty(COMMITS, Map.class);
        Map<TopicPartition, List<Exchange>> byPartition = new HashMap<>();
        for (Exchange record : records(batch)) {
            byPartition.computeIfAbsent(commits.get(record).getPartition(), p -> new ArrayList<>()).add(record);
        }
        byPartition.forEach((partition, records) -> {
            records.sort(Comparator.comparingLong(r -> commits.get(r).getRecordOffset()));
            Exchange lastAnswered = null;
            for (Exchange record : records) {
                if (record.getException() != null) {
                    DefaultKafkaManualCommit failed = commits.get(record);
                    LOG.error("Request {}-{}@{} could not be answered ({}); it will be consumed again", partition.topic(),
                            partition.partition(), failed.getRecordOffset(), record.getException().getMessage());
                    failed.getConsumer().seek(partition, failed.getRecordOffset());
                    break;
                }
                lastAnswered = record;
            }
            if (lastAnswered != null) {
                commits.get(lastAnswered).commit();
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static List<Exchange> records(Exchange batch) {
        List<Exchange> records = batch.getMessage().getBody(List.class);
        return records == null ? List.of() : records;
    }
}

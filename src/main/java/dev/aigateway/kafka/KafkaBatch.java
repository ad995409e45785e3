package dev.aigateway.kafka;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Runs request records concurrently and commits, per partition, the contiguous prefix of answered offsets.
 * A slow provider must not serialise a partition, nor hold back the records polled after it, yet an offset may
 * only be committed once every record before it has its reply acknowledged by the broker. So the consumer is
 * pipelined: {@link #processAll} dispatches a batch's records to the workers and returns at once (it waits,
 * committing meanwhile, only while gateway.kafka.max-in-flight records are running), the consumer polls on, and
 * after every poll {@link #afterPoll} (on the consumer's own thread, called by {@link KafkaAfterPoll}) commits
 * each partition up to its last record answered with every record before it answered too.
 * <p>
 * A record that could not be answered (its reply not taken by the broker) is consumed again: its partition is
 * paused and sought back to it; the records after it that were already dispatched run to their end first, and
 * those answered are not run again when they come back (kept per partition while this consumer owns it); then
 * the partition resumes. Records fetched before the seek and handed over after it are stale: neither run nor
 * committed ({@link Track#stale}).
 * <p>
 * No record may stall its partition: a record consumed again more than gateway.kafka.max-redeliveries
 * times is only dead-lettered ({@code redelivery_limit}), and a record whose dead letter cannot be written
 * either, or that failed in a way only the record causes (its reply refused as too large or not
 * serialisable even on the dead-letter path), is skipped: one ERROR line and the counter
 * {@code gateway_kafka_skipped_records_total}.
 * <p>
 * Rebalances re-deliver nothing that was answered (with the cooperative-sticky assignor a partition that stays
 * with its consumer is not even paused): a record whose partition was taken away before it was dispatched is left
 * to the partition's new owner ({@link #processAll}); a partition taken away first waits (bounded) for its
 * records in flight, then commits what was answered ({@link #revoked}, called by {@link KafkaRebalances} inside
 * the poll that hands it over, and when the consumer stops); a commit refused because the group is rebalancing is
 * kept and made then or after the next poll.
 */
public class KafkaBatch {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaBatch.class);
    private static final java.time.Duration COMMIT_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** How long a partition handed over (or a consumer stopping) waits for its records in flight. */
    private static final long HAND_OVER_WAIT_MS = 30_000;
    /**
     * A consumer commits (and settles its partitions) at most this often: a commit per poll, or per record done
     * while it waits for room, would be a broker write each; a crash re-delivers at most this much more.
     */
    private static final long COMMIT_EVERY_NANOS = 100_000_000;
    /** Exchange property: why a record is given up (its dead letter's reason). */
    static final String GIVE_UP_REASON = "gatewayGiveUpReason";

    private final ProducerTemplate template;
    private final ExecutorService workers;
    private final String recordRoute;
    private final String giveUpRoute;
    private final Redeliveries redeliveries;
    private final GatewayMetrics metrics;
    private final int maxInFlight;
    /** The partitions this instance's consumers own, with their records dispatched and not yet committed. */
    private final Map<TopicPartition, Track> tracks = new ConcurrentHashMap<>();
    /** Offsets (next record to read) answered but not committed because the group was rebalancing. */
    private final Map<TopicPartition, Long> pending = new ConcurrentHashMap<>();
    /** When each consumer last settled and committed its partitions (System.nanoTime). */
    private final Map<Consumer<?, ?>, Long> lastCommit = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    /** Notified whenever a record is done: a consumer waiting for room or for a hand-over wakes up. */
    private final Object done = new Object();

    private final java.util.concurrent.atomic.AtomicInteger inFlight;

    public KafkaBatch(ProducerTemplate template, ExecutorService workers, String recordRoute, String giveUpRoute,
            int maxRedeliveries, int maxInFlight, GatewayMetrics metrics) {
        this.inFlight = metrics.kafkaInFlight();
        this.template = template;
        this.workers = workers;
        this.recordRoute = recordRoute;
        this.giveUpRoute = giveUpRoute;
        this.redeliveries = new Redeliveries(maxRedeliveries);
        this.maxInFlight = Math.max(1, maxInFlight);
        this.metrics = metrics;
    }

    /**
     * Dispatches every record of the batch through the record route; returns once all are dispatched (not done).
     * Waits, on the consumer's thread and committing meanwhile, while gateway.kafka.max-in-flight are running.
     */
    public void processAll(Exchange batch) {
        List<Exchange> all = records(batch);
        if (all.isEmpty()) {
            return;
        }
        Consumer<?, ?> consumer = handle(all.get(0)).getConsumer();
        // camel-kafka gathers a batch over several polls: a poll in between may have handed a partition to another
        // consumer, which reads it from the last commit. Those records are its to answer, not this one's.
        java.util.Set<TopicPartition> owned = consumer.assignment();
        int leftToNewOwner = 0;
        for (Exchange record : all) {
            // the record route replaces message headers: keep the record's commit handle aside
            DefaultKafkaManualCommit handle = handle(record);
            TopicPartition partition = handle.getPartition();
            if (!owned.contains(partition)) {
                leftToNewOwner++;
                continue;
            }
            Track track = tracks.compute(partition, (p, t) -> t != null && t.consumer == consumer ? t : new Track(p, consumer));
            if (track.stale(handle.getRecordOffset())) {
                continue; // fetched before a seek back: it comes again, after the record it was rewound to
            }
            if (track.answeredAhead.remove(handle.getRecordOffset())) {
                // answered before an earlier record of its partition was sought back to: not answered twice
                track.slots.put(handle.getRecordOffset(), Slot.answered(handle.getRecordOffset()));
                continue;
            }
            while (inFlight.get() >= maxInFlight) {
                afterPoll(consumer);
                awaitDone(50);
            }
            dispatch(track, handle, record);
        }
        if (leftToNewOwner > 0) {
            LOG.info("{} request records not run: their partitions moved to another consumer in a rebalance, which answers "
                    + "them", leftToNewOwner);
        }
    }

    private void dispatch(Track track, DefaultKafkaManualCommit handle, Exchange record) {
        long offset = handle.getRecordOffset();
        Redeliveries.Failure failed = redeliveries.exceeded(track.partition, offset);
        if (failed != null) {
            record.setProperty(GIVE_UP_REASON, "Its reply could not be delivered in " + failed.count()
                    + " attempts (gateway.kafka.max-redeliveries=" + redeliveries.max() + "); last failure: "
                    + failed.reason());
        }
        String route = failed != null ? giveUpRoute : recordRoute;
        Slot slot = new Slot(offset);
        track.slots.put(offset, slot);
        inFlight.incrementAndGet();
        try {
            workers.execute(() -> {
                try {
                    template.send(route, record);
                } finally {
                    finish(slot, record);
                }
            });
        } catch (RuntimeException rejected) { // the workers are shut down: the gateway is stopping
            record.setException(rejected);
            finish(slot, record);
        }
    }

    private void finish(Slot slot, Exchange record) {
        slot.failure = record.getException();
        slot.gaveUp = record.getProperty(GIVE_UP_REASON) != null;
        slot.done = true;
        inFlight.decrementAndGet();
        synchronized (done) {
            done.notifyAll();
        }
    }

    private void awaitDone(long millis) {
        synchronized (done) {
            try {
                done.wait(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new org.apache.kafka.common.errors.InterruptException(e);
            }
        }
    }

    /**
     * On {@code consumer}'s thread, after every poll (and while {@link #processAll} waits for room): commits each of
     * its partitions up to the end of its answered prefix, seeks back to a record that must be consumed again, and
     * resumes a partition sought back once the records it had in flight are done.
     */
    void afterPoll(Consumer<?, ?> consumer) {
        long now = System.nanoTime();
        Long last = lastCommit.get(consumer);
        if (last != null && now - last < COMMIT_EVERY_NANOS) {
            return;
        }
        lastCommit.put(consumer, now);
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Track track : tracks.values()) {
            if (track.consumer != consumer) {
                continue;
            }
            Long next = track.settle(true);
            if (next != null) {
                offsets.put(track.partition, new OffsetAndMetadata(next));
            }
            track.resumeWhenDrained();
        }
        if (pending.isEmpty() && offsets.isEmpty()) {
            return;
        }
        // what could not be committed during a rebalance, for the partitions this consumer still has
        java.util.Set<TopicPartition> owned = consumer.assignment();
        pending.forEach((partition, next) -> {
            if (owned.contains(partition)) {
                offsets.merge(partition, new OffsetAndMetadata(next), (a, b) -> a.offset() >= b.offset() ? a : b);
            }
        });
        commitNow(consumer, offsets);
    }

    /** Commits {@code offsets}; during a rebalance keeps them for {@link #revoked} or the next poll instead. */
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
     * Partitions taken away from {@code consumer} in a rebalance, or given up because it stops (inside its poll,
     * before another consumer gets them): waits (bounded) for their records in flight, commits what was answered
     * for them and not yet committed, and forgets their rewinds and redelivery counts (the new owner counts afresh).
     */
    void revoked(Consumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions) {
        List<Track> handedOver = new ArrayList<>();
        for (TopicPartition p : partitions) {
            Track track = tracks.get(p);
            if (track != null && track.consumer == consumer) {
                handedOver.add(track);
            }
        }
        long deadline = System.nanoTime() + HAND_OVER_WAIT_MS * 1_000_000;
        while (handedOver.stream().anyMatch(Track::running) && System.nanoTime() < deadline) {
            awaitDone(50);
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        int unfinished = 0;
        for (Track track : handedOver) {
            Long next = track.settle(false);
            if (next != null) {
                offsets.put(track.partition, new OffsetAndMetadata(next));
            }
            unfinished += track.slots.size();
        }
        if (unfinished > 0) {
            LOG.warn("{} request records of partitions handed over were not answered within {} s: the partitions' new "
                    + "owner consumes them again", unfinished, HAND_OVER_WAIT_MS / 1000);
        }
        for (TopicPartition p : partitions) {
            Long next = pending.remove(p);
            if (next != null) {
                offsets.merge(p, new OffsetAndMetadata(next), (a, b) -> a.offset() >= b.offset() ? a : b);
            }
        }
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets, COMMIT_TIMEOUT);
                LOG.info("Committed the answered records of {} partitions handed over", offsets.size());
            } catch (RuntimeException e) {
                LOG.warn("Could not commit {} partitions handed over ({}): their answered records will be "
                        + "delivered again", offsets.size(), e.getMessage());
            }
        }
        forget(partitions);
    }

    /**
     * A rebalance of {@code consumer}'s group completed (inside its poll): commits what could not be committed
     * while the group was rebalancing, for the partitions it keeps.
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
            tracks.remove(p);
            redeliveries.forgetUpTo(p, Long.MAX_VALUE);
        }
    }

    /**
     * One dispatched record: done once its route returned, answered unless it failed. Only its outcome is kept, not
     * its exchange: answered records wait here for the records before them, as many as a slow one lets pile up.
     */
    private static final class Slot {
        final long offset;
        /** Set before {@link #done}. */
        Exception failure;
        boolean gaveUp;
        volatile boolean done;

        Slot(long offset) {
            this.offset = offset;
        }

        static Slot answered(long offset) {
            Slot s = new Slot(offset);
            s.done = true;
            return s;
        }
    }

    /**
     * A partition owned by one consumer: its records dispatched and not yet committed, and its rewind. Touched only
     * on the owning consumer's thread, except {@link Slot#done}.
     */
    private final class Track {
        final TopicPartition partition;
        final Consumer<?, ?> consumer;
        /** Dispatched records by offset, from the first not yet committed. */
        final java.util.TreeMap<Long, Slot> slots = new java.util.TreeMap<>();
        /** After a seek back: records dispatched past the rewound one, left to finish before the partition resumes. */
        final List<Slot> draining = new ArrayList<>();
        /** Offsets past a rewind that were answered: not run again when they come back. */
        final java.util.Set<Long> answeredAhead = new java.util.HashSet<>();
        /** Sought back to this offset, until the record at that offset is consumed again. */
        Long rewoundTo;
        boolean paused;

        Track(TopicPartition partition, Consumer<?, ?> consumer) {
            this.partition = partition;
            this.consumer = consumer;
        }

        boolean running() {
            return slots.values().stream().anyMatch(s -> !s.done) || draining.stream().anyMatch(s -> !s.done);
        }

        /**
         * After a seek back to offset O, camel-kafka still hands over records fetched before the seek (offsets above
         * O). They must be neither run nor committed (a commit past O would lose the record at O on a crash), and
         * they come again after O. In poll order, so the record at O ends the rewind.
         */
        boolean stale(long offset) {
            if (rewoundTo == null || offset < rewoundTo) {
                return false;
            }
            if (offset == rewoundTo) {
                rewoundTo = null;
                return false;
            }
            return true;
        }

        /**
         * Takes the done prefix of the dispatched records: returns the offset to commit (the record after the last
         * answered one), or null. A record that must be consumed again ends the prefix: with {@code rewind} the
         * partition is paused and sought back to it; without (handed over) it is left to the new owner.
         */
        Long settle(boolean rewind) {
            Slot lastAnswered = null;
            while (!slots.isEmpty()) {
                Slot slot = slots.firstEntry().getValue();
                if (!slot.done) {
                    break;
                }
                Exception failure = slot.failure;
                if (failure != null) {
                    String why = Secrets.mask(String.valueOf(failure.getMessage()));
                    boolean gaveUp = slot.gaveUp;
                    if (!gaveUp && KafkaIngress.recordFault(failure) == failure) {
                        if (rewind) {
                            rewindTo(slot, why);
                        }
                        break;
                    }
                    LOG.error("Request {}-{}@{} skipped: {} and its dead letter could not be written ({}); "
                            + "the record stays in the topic at that offset", partition.topic(), partition.partition(),
                            slot.offset, gaveUp ? "consumed too often" : "it cannot be answered", why);
                    Counter.builder("gateway.kafka.skipped.records")
                            .description("request records skipped: neither answered nor dead-lettered")
                            .register(metrics.registry()).increment();
                }
                slots.pollFirstEntry();
                lastAnswered = slot;
            }
            if (lastAnswered == null) {
                return null;
            }
            redeliveries.forgetUpTo(partition, lastAnswered.offset);
            return lastAnswered.offset + 1;
        }

        private void rewindTo(Slot failed, String why) {
            int count = redeliveries.failed(partition, failed.offset, why);
            LOG.error("Request {}-{}@{} could not be answered ({}); it will be consumed again ({})", partition.topic(),
                    partition.partition(), failed.offset, why, count <= redeliveries.max()
                            ? "redelivery " + count + " of at most " + redeliveries.max()
                            : "only to be dead-lettered: gateway.kafka.max-redeliveries reached");
            slots.pollFirstEntry();
            draining.addAll(slots.values());
            slots.clear();
            consumer.pause(java.util.Set.of(partition));
            paused = true;
            consumer.seek(partition, failed.offset);
            rewoundTo = failed.offset;
        }

        /** Resumes a partition sought back once the records it had in flight past the rewind are done. */
        void resumeWhenDrained() {
            if (!paused) {
                return;
            }
            for (java.util.Iterator<Slot> i = draining.iterator(); i.hasNext();) {
                Slot s = i.next();
                if (s.done) {
                    if (s.failure == null) {
                        answeredAhead.add(s.offset);
                    }
                    i.remove();
                }
            }
            if (draining.isEmpty()) {
                consumer.resume(java.util.Set.of(partition));
                paused = false;
            }
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

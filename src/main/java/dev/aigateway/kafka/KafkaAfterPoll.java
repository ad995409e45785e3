package dev.aigateway.kafka;

import java.util.function.Predicate;

import org.apache.camel.component.kafka.consumer.errorhandler.KafkaConsumerListener;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * camel-kafka calls its consumer listener on the consumer's own thread after every poll, empty polls included; the
 * request route sets this one with the pausable EIP (Camel's way to give a consumer its listener). It commits what
 * the pipelined {@link KafkaBatch} answered since the last poll, seeks back and resumes partitions; it never pauses
 * the consumer itself, so it is also its own resume check. One instance serves every consumer of the route: the
 * consumer is the argument, not the field camel-kafka sets on it.
 */
public final class KafkaAfterPoll extends KafkaConsumerListener implements Predicate<Object> {
    /** Registry name the route refers to. */
    public static final String BEAN = "kafkaAfterPoll";

    private final KafkaBatch batch;

    public KafkaAfterPoll(KafkaBatch batch) {
        this.batch = batch;
    }

    @Override
    public boolean afterConsume(Object consumer) {
        batch.afterPoll((Consumer<?, ?>) consumer);
        return true;
    }

    @Override
    public boolean afterProcess(org.apache.camel.component.kafka.consumer.support.ProcessingResult result) {
        return true; // only called by camel-kafka's streaming (not batching) processor: nothing to pause
    }

    @Override
    public boolean test(Object ignored) {
        return true;
    }
}

package dev.aigateway.kafka;

import java.util.Collection;

import org.apache.camel.component.kafka.consumer.support.subcription.DefaultSubscribeAdapter;
import org.apache.camel.component.kafka.consumer.support.subcription.SubscribeAdapter;
import org.apache.camel.component.kafka.consumer.support.subcription.TopicInfo;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's part in consumer-group rebalances. camel-kafka subscribes each consumer through the registry bean
 * {@code subscribeAdapter} when there is one (its supported hook): this one subscribes as camel-kafka would and
 * puts a listener in front of camel-kafka's own, so that a consumer giving up request-topic partitions first
 * commits what it answered for them ({@link KafkaBatch#revoked}). The listener runs on the consumer's thread,
 * inside the poll, before the partitions reach their new owner. Other topics (the health topic, topics other
 * beans read) pass through untouched.
 */
public final class KafkaRebalances implements SubscribeAdapter {
    /** Registry name camel-kafka looks up. */
    public static final String BEAN = "subscribeAdapter";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRebalances.class);

    private final SubscribeAdapter subscribe = new DefaultSubscribeAdapter();
    private final String requestTopic;
    private final KafkaBatch batch;

    public KafkaRebalances(String requestTopic, KafkaBatch batch) {
        this.requestTopic = requestTopic;
        this.batch = batch;
    }

    @Override
    public void subscribe(Consumer<?, ?> consumer, ConsumerRebalanceListener camels, TopicInfo topics) {
        if (topics.isPattern() || !topics.getTopics().contains(requestTopic)) {
            subscribe.subscribe(consumer, camels, topics);
            return;
        }
        subscribe.subscribe(consumer, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    LOG.debug("Partitions handed over: {}", partitions);
                    batch.revoked(consumer, partitions);
                }
                camels.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    LOG.warn("Lost partitions {} (this consumer was out of the group): their records since the last commit "
                            + "are delivered to their new owner", partitions);
                    batch.lost(partitions);
                }
                camels.onPartitionsLost(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    LOG.debug("Partitions assigned: {}", partitions);
                }
                camels.onPartitionsAssigned(partitions);
                // called after every rebalance (cooperative: even when nothing new is assigned)
                batch.rebalanced(consumer);
            }
        }, topics);
    }
}

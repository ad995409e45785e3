package dev.aigateway.requestlog;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.Json;

/**
 * Reads the request-log topic into this instance's {@link RequestWindow}: every partition assigned (no
 * consumer group, nothing committed: each instance reads every record), starting at the first record of
 * the last gateway.request-log.window (by timestamp), then following the topic.
 */
final class RequestLogReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLogReader.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final RequestWindow window;
    private final Thread thread;
    private volatile boolean running = true;

    RequestLogReader(Map<String, Object> client, String topic, RequestWindow window) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "request-log-reader-" + java.util.UUID.randomUUID());
        this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.window = window;
        this.thread = new Thread(this::run, "request-log-reader");
        this.thread.setDaemon(true);
    }

    RequestLogReader start() {
        thread.start();
        return this;
    }

    private void run() {
        long lastWarning = 0;
        try {
            while (running) {
                try {
                    if (consumer.assignment().isEmpty() && !seekToWindow()) {
                        Thread.sleep(500); // a topic created a moment ago may not be in the metadata yet
                        continue;
                    }
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        JsonNode record = read(r.value());
                        if (record instanceof ObjectNode o) {
                            window.add(o);
                        }
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    if (System.currentTimeMillis() - lastWarning > 60_000) {
                        lastWarning = System.currentTimeMillis();
                        LOG.warn("Reading the request log {} failed ({}); /admin/requests may miss records until it "
                                + "recovers", topic, e.getMessage());
                    }
                    Thread.sleep(1000);
                }
            }
        } catch (WakeupException | InterruptedException stopping) {
            // close()
        } catch (RuntimeException e) {
            LOG.warn("The request log {} cannot be read ({}): /admin/requests and /admin/usage stay empty", topic,
                    e.getMessage());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** Every partition, from the first record of the window (or its end when there is none that recent). */
    private boolean seekToWindow() {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        if (partitions.isEmpty()) {
            return false;
        }
        consumer.assign(partitions);
        long since = System.currentTimeMillis() - window.windowMs();
        Map<TopicPartition, Long> when = new HashMap<>();
        partitions.forEach(p -> when.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(when, Duration.ofSeconds(30));
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp at = offsets.get(p);
            if (at != null) {
                consumer.seek(p, at.offset());
            } else {
                consumer.seekToEnd(List.of(p));
            }
        }
        return true;
    }

    private static JsonNode read(byte[] value) {
        try {
            return value == null ? null : Json.MAPPER.readTree(value);
        } catch (Exception e) {
            return null; // not a record of ours: skipped
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Produces N request records and waits until every one has its reply (matched by correlation-id);
 * prints one markdown row. Run by bench/kafka.sh:  java -cp 'target/lib/*' bench/KafkaBench.java BROKERS N NAME
 */
public class KafkaBench {
    public static void main(String[] args) throws Exception {
        String brokers = args[0];
        int n = Integer.parseInt(args[1]);
        String name = args[2];
        String requestTopic = args.length > 3 ? args[3] : "ai.requests";
        String tag = UUID.randomUUID().toString().substring(0, 8) + "-";
        try (KafkaConsumer<byte[], byte[]> replies = new KafkaConsumer<>(Map.of("bootstrap.servers", brokers,
                "group.id", "bench-" + tag, "auto.offset.reset", "latest"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", brokers,
                        "linger.ms", 5, "batch.size", 262144), new ByteArraySerializer(), new ByteArraySerializer())) {
            replies.subscribe(List.of("ai.responses"));
            while (replies.assignment().isEmpty()) {
                replies.poll(Duration.ofMillis(100));
            }
            replies.seekToEnd(replies.assignment());
            replies.assignment().forEach(replies::position);

            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String body = "{\"prompt\":\"bench " + i + "\",\"request_id\":\"" + tag + i + "\"}";
                producer.send(new ProducerRecord<>(requestTopic, ("k" + (i % 64)).getBytes(StandardCharsets.UTF_8),
                        body.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
            long produced = System.nanoTime();
            Set<String> answered = new HashSet<>();
            int duplicates = 0;
            int failures = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (answered.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : replies.poll(Duration.ofMillis(100))) {
                    var h = r.headers().lastHeader("correlation-id");
                    String id = h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
                    if (id.startsWith(tag)) {
                        if (!answered.add(id)) {
                            duplicates++;
                        }
                        if (!new String(r.value(), StandardCharsets.UTF_8).contains("\"success\":true")) {
                            failures++;
                        }
                    }
                }
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("| %s | %d | %d | %d | %d | %.1f s | %.0f |%n", name, n, answered.size(), failures, duplicates,
                    secs, answered.size() / secs);
            System.err.printf("(producing took %.1f s)%n", (produced - t0) / 1e9);
        }
    }
}

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The ceiling of the Kafka path on this machine: a plain consume→produce pipe, no gateway. It reads request
 * records like the gateway does (CONSUMERS consumers of one group, MAX_POLL records a poll, manual commit), parses
 * each value (request_id), writes a small reply with header correlation-id to the reply topic with the gateway's
 * producer settings (acks=all, idempotent, linger.ms 2), and commits each poll after its replies are acknowledged
 * (at least once, like the gateway). Runs until killed.
 *   java -cp 'target/lib/*' bench/KafkaPipe.java BROKERS REQUEST_TOPIC REPLY_TOPIC PARTITIONS CONSUMERS MAX_POLL
 */
public class KafkaPipe {
    public static void main(String[] args) throws Exception {
        String brokers = args[0], requests = args[1], replies = args[2];
        int partitions = Integer.parseInt(args[3]), consumers = Integer.parseInt(args[4]), maxPoll = Integer.parseInt(args[5]);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", brokers))) {
            if (!admin.listTopics().names().get().contains(requests)) {
                admin.createTopics(List.of(new NewTopic(requests, partitions, (short) 1))).all().get();
            }
        }
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", brokers, "acks", "all",
                "enable.idempotence", true, "linger.ms", 2), new ByteArraySerializer(), new ByteArraySerializer());
        ObjectMapper json = new ObjectMapper();
        for (int c = 0; c < consumers; c++) {
            Thread.ofPlatform().name("pipe-" + c).start(() -> {
                try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", brokers,
                        "group.id", "bench-pipe", "auto.offset.reset", "latest", "enable.auto.commit", false,
                        "max.poll.records", maxPoll), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    consumer.subscribe(List.of(requests));
                    while (true) {
                        ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(50));
                        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.count());
                        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                        for (ConsumerRecord<byte[], byte[]> r : batch) {
                            JsonNode request = json.readTree(r.value());
                            String id = request.path("request_id").asText();
                            byte[] reply = json.writeValueAsBytes(json.createObjectNode().put("request_id", id)
                                    .put("success", true).put("content", "Hello from the pipe."));
                            ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(replies, r.key(), reply);
                            out.headers().add("correlation-id", id.getBytes(StandardCharsets.UTF_8));
                            acks.add(producer.send(out));
                            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                        }
                        for (Future<RecordMetadata> ack : acks) {
                            ack.get();
                        }
                        if (!offsets.isEmpty()) {
                            consumer.commitSync(offsets);
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
        }
    }
}

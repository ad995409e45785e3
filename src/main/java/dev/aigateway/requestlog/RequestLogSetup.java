package dev.aigateway.requestlog;

import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.RequestParser;
import dev.aigateway.auth.KeyAdmin;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.config.SettingException;
import dev.aigateway.config.Settings;
import dev.aigateway.kafka.KafkaSetup;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * The request log's beans (docs/request-log.md): the writer routes call ({@code requestLog}), the window and
 * its reader, the admin data API ({@code requestLogAdmin}) and replay ({@code requestReplay}). With Kafka on,
 * records go to gateway.request-log.topic (created by KafkaSetup) and every instance reads them all back;
 * with Kafka off, each instance keeps its own records.
 */
public final class RequestLogSetup {
    private static final Logger LOG = LoggerFactory.getLogger(RequestLogSetup.class);

    private RequestLogSetup() {
    }

    public static void configure(CamelContext context, Settings settings, Function<String, String> required,
            RequestParser parser, LiveChains chains, GatewayMetrics metrics) throws Exception {
        boolean enabled = settings.bool("gateway.request-log.enabled");
        boolean kafka = settings.bool("gateway.kafka.enabled");
        boolean bodies = settings.bool("gateway.request-log.bodies");
        String topic = required.apply("gateway.request-log.topic");
        settings.duration("gateway.request-log.retention", 60_000); // KafkaSetup reads it for the topic
        Redactor redactor;
        try {
            redactor = Redactor.of(settings.optional("gateway.request-log.redact"));
        } catch (IllegalArgumentException e) {
            throw new SettingException("Setting gateway.request-log.redact (env GATEWAY_REQUEST_LOG_REDACT): " + e.getMessage());
        }
        RequestWindow window = new RequestWindow(settings.duration("gateway.request-log.window", 60_000),
                settings.integer("gateway.request-log.window-max", 1, 10_000_000));
        RequestLog.Sink sink;
        KafkaProducer<String, byte[]> producer = null;
        RequestLogReader reader = null;
        if (enabled && kafka) {
            Map<String, Object> config = KafkaSetup.clientConfig(context);
            config.put(ProducerConfig.ACKS_CONFIG, "1");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
            config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
            // the writer thread waits no longer than this for a broker; records then count as failures
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
            config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * 1024 * 1024);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "request-log-writer");
            KafkaProducer<String, byte[]> p = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
            producer = p;
            sink = (id, record, json, failed) -> p.send(new ProducerRecord<>(topic, id, json), (sent, error) -> {
                if (error != null) {
                    failed.run();
                }
            });
            reader = new RequestLogReader(KafkaSetup.clientConfig(context), topic, window).start();
        } else {
            sink = (id, record, json, failed) -> window.add(record);
        }
        // replays are published there: a request's reply-to may not name it (it matches gateway.kafka.reply-topic-pattern)
        dev.aigateway.kafka.KafkaIngress ingress = context.getRegistry().lookupByNameAndType("kafkaIngress",
                dev.aigateway.kafka.KafkaIngress.class);
        if (ingress != null) {
            ingress.reserveReplyTopic(required.apply("gateway.request-log.replay-topic"));
        }
        RequestLog log = new RequestLog(enabled, bodies, redactor, sink, metrics.registry());
        context.getRegistry().bind("requestLog", log);
        context.getRegistry().bind("requestLogAdmin", new RequestLogAdmin(window));
        context.getRegistry().bind("requestReplay", new RequestReplay(context,
                context.getRegistry().lookupByNameAndType("keyAdmin", KeyAdmin.class), required.apply("gateway.auth.admin-key-env"),
                window, log, parser, chains, kafka, required.apply("gateway.kafka.request-topic"),
                required.apply("gateway.request-log.replay-topic"), settings.duration("gateway.request-timeout", 1)));
        KafkaProducer<String, byte[]> opened = producer;
        RequestLogReader reading = reader;
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                log.close(2_000);
                if (opened != null) {
                    opened.close(Duration.ofSeconds(2));
                }
                if (reading != null) {
                    reading.close();
                }
            }
        });
        LOG.info("Request log: {}", !enabled ? "off (gateway.request-log.enabled=false)"
                : (kafka ? "topic " + topic + ", read back by every instance" : "this instance's memory (gateway.kafka.enabled=false)")
                        + (bodies ? ", with prompts and answers (redacted)" : ", without prompts and answers"));
    }
}

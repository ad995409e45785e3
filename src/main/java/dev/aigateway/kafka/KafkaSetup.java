package dev.aigateway.kafka;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.aigateway.api.RequestParser;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.config.VirtualThreads;
import dev.aigateway.idempotency.Idempotency;
import dev.aigateway.idempotency.StoredReplies;
import dev.aigateway.metrics.GatewayMetrics;

/**
 * Prepares the Kafka ingress: the broker (KAFKA_BROKERS, or the embedded one when none is set), the
 * topics, and the beans routes/kafka-ingress.yaml names.
 */
public final class KafkaSetup {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSetup.class);

    private KafkaSetup() {
    }

    /** With {@code enabled} false the Kafka routes stay stopped: no broker is started or contacted. */
    public static void configure(CamelContext context, Function<String, String> required,
            Function<String, String> property, RequestParser parser, LiveChains chains, GatewayMetrics metrics, boolean enabled)
            throws Exception {
        // SASL/TLS for every Kafka client: the camel-kafka component (all kafka: endpoints) and the admin clients
        KafkaClientSecurity security = enabled ? KafkaClientSecurity.read(new dev.aigateway.config.Settings(property))
                : KafkaClientSecurity.of(context);
        context.getRegistry().bind(KafkaClientSecurity.BEAN, security);
        security.applyTo(context.getComponent("kafka", org.apache.camel.component.kafka.KafkaComponent.class).getConfiguration());
        if (enabled) {
            prepareBroker(context, required, property, security);
        } else if (property.apply("kafka.brokers") == null || property.apply("kafka.brokers").isBlank()) {
            // the stopped Kafka routes are still initialised, and camel-kafka insists on a broker list
            context.getPropertiesComponent().addOverrideProperty("kafka.brokers", "kafka-disabled.invalid:9092");
        }
        bindBeans(context, required, parser, chains, metrics, Integer.parseInt(required.apply("gateway.kafka.max-in-flight")));
        bindIdempotency(context, required, metrics, enabled);
    }

    /**
     * Idempotent replies (docs/api.md "Idempotent replies"): with Kafka the store is the topic
     * gateway.idempotency.topic, read by every instance; without it, this instance's own memory.
     */
    private static void bindIdempotency(CamelContext context, Function<String, String> required, GatewayMetrics metrics,
            boolean kafka) throws Exception {
        StoredReplies store = null;
        if (Boolean.parseBoolean(required.apply("gateway.idempotency.enabled").trim())) {
            long ttl = dev.aigateway.provider.Durations.parseMillis(required.apply("gateway.idempotency.ttl"));
            int max = Integer.parseInt(required.apply("gateway.idempotency.max-entries").trim());
            store = kafka ? StoredReplies.onTopic(ttl, max, required.apply("gateway.idempotency.topic"), clientConfig(context))
                    : StoredReplies.inMemory(ttl, max);
            StoredReplies opened = store;
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    opened.close();
                }
            });
            // DOWN until the stored replies are read up to the end offsets seen at start: before that this instance
            // could answer again a request another instance already answered
            context.getRegistry().bind("idempotencyReadiness", new dev.aigateway.health.StartupReadiness("idempotency-store",
                    store::caughtUp, "stored replies read", () -> "reading the stored replies"));
            LOG.info("Idempotent replies: {} (ttl {} ms, at most {} entries)", kafka ? "stored on topic "
                    + required.apply("gateway.idempotency.topic") + ", shared by every instance"
                    : "kept in this instance's memory (gateway.kafka.enabled=false)", ttl, max);
        }
        context.getRegistry().bind("idempotency", new Idempotency(store,
                context.getRegistry().lookupByNameAndType("providers", dev.aigateway.provider.Providers.class), metrics));
    }

    /** The settings every Kafka client of the gateway's own (not camel-kafka's) connects with, security included. */
    public static Map<String, Object> clientConfig(CamelContext context) {
        return KafkaClientSecurity.of(context).apply(new java.util.HashMap<>(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                context.resolvePropertyPlaceholders("{{kafka.brokers}}"))));
    }

    /** The broker (KAFKA_BROKERS, or the embedded one) and the gateway's topics. */
    private static void prepareBroker(CamelContext context, Function<String, String> required,
            Function<String, String> property, KafkaClientSecurity security) throws Exception {
        String brokers = property.apply("kafka.brokers");
        boolean embedded = brokers == null || brokers.isBlank();
        if (embedded && !security.isPlaintext()) {
            throw new dev.aigateway.config.SettingException("kafka.security-protocol=" + security.protocol() + " needs kafka.brokers "
                    + "(env KAFKA_BROKERS): the embedded broker listens on PLAINTEXT only");
        }
        if (embedded) {
            EmbeddedKafka broker = EmbeddedKafka.start(Path.of(required.apply("gateway.kafka.embedded.data-dir")),
                    Integer.parseInt(required.apply("gateway.kafka.embedded.port")));
            brokers = broker.bootstrapServers();
            context.getPropertiesComponent().addOverrideProperty("kafka.brokers", brokers);
            // stopped after the routes: in-flight replies are still delivered
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    broker.close();
                }
            });
        } else {
            LOG.info("Kafka brokers: {} (kafka.brokers), security {}", brokers, security);
        }
        int partitions = Integer.parseInt(required.apply("gateway.kafka.partitions"));
        createTopics(brokers, embedded, security, partitions, required.apply("gateway.kafka.request-topic"),
                required.apply("gateway.kafka.reply-topic"), required.apply("gateway.kafka.dlq-topic"));
        createTopics(brokers, embedded, security, 1, required.apply("gateway.kafka.health-topic"));
        // compacted too (one partition): each instance's latest usage totals per key (key <keyId>|<instanceId>)
        createTopics(brokers, embedded, security, 1, required.apply("gateway.kafka.key-usage-topic"));
        compactOften(brokers, embedded, security, required.apply("gateway.kafka.key-usage-topic"));
        if (Boolean.parseBoolean(required.apply("gateway.idempotency.enabled").trim())) {
            // the stored replies: the last per request_id (compact); segments older than the TTL go (delete)
            long ttl = dev.aigateway.provider.Durations.parseMillis(required.apply("gateway.idempotency.ttl"));
            createTopics(brokers, embedded, security, partitions, Map.of("cleanup.policy", "compact,delete",
                    "retention.ms", String.valueOf(Math.max(ttl, 60_000))), required.apply("gateway.idempotency.topic"));
        }
        // the request log (docs/request-log.md): its records are kept gateway.request-log.retention; replays' results
        if (Boolean.parseBoolean(required.apply("gateway.request-log.enabled").trim())) {
            createTopics(brokers, embedded, security, partitions, Map.of("retention.ms", String.valueOf(
                    dev.aigateway.provider.Durations.parseMillis(required.apply("gateway.request-log.retention")))),
                    required.apply("gateway.request-log.topic"));
        }
        createTopics(brokers, embedded, security, partitions, Map.of(), required.apply("gateway.request-log.replay-topic"));
        // requests never create a topic: the reply topics a reply-to may name are created here
        List<String> replyTopics = replyTopics(property.apply("gateway.kafka.reply-topics"),
                required.apply("gateway.kafka.reply-topic-pattern"));
        if (!replyTopics.isEmpty()) {
            createTopics(brokers, embedded, security, partitions, replyTopics.toArray(String[]::new));
        }
    }

    /** The authentication failure (SASL or TLS) among {@code e}'s causes, or null. */
    static Throwable authenticationFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                return t;
            }
        }
        return null;
    }

    /** gateway.kafka.reply-topics, comma-separated; each must be a reply-to the gateway would accept. */
    static List<String> replyTopics(String setting, String pattern) {
        List<String> topics = new ArrayList<>();
        for (String t : setting == null ? new String[0] : setting.split(",")) {
            String name = t.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!dev.aigateway.api.Identifiers.valid(name) || !name.matches(pattern)) {
                throw new IllegalArgumentException("gateway.kafka.reply-topics: '" + name + "' is not a topic a reply-to "
                        + "may name (1-128 characters of A-Z a-z 0-9 . _ - matching gateway.kafka.reply-topic-pattern "
                        + pattern + ")");
            }
            topics.add(name);
        }
        return topics;
    }

    private static void bindBeans(CamelContext context, Function<String, String> required, RequestParser parser,
            LiveChains chains, GatewayMetrics metrics, int maxInFlight) throws Exception {
        int consumers = Integer.parseInt(required.apply("gateway.kafka.consumers"));
        // every instance reads the whole health topic: a group of its own
        context.getPropertiesComponent().addOverrideProperty("gateway.kafka.health-group-id",
                required.apply("gateway.kafka.group-id") + "-health-" + java.util.UUID.randomUUID());
        // each consumer processes up to its share of max-in-flight records at once
        context.getPropertiesComponent().addOverrideProperty("gateway.kafka.batch-size",
                String.valueOf(Math.max(1, maxInFlight / consumers)));

        ExecutorService workers = VirtualThreads.available() ? VirtualThreads.newPerTaskExecutor()
                : Executors.newFixedThreadPool(Math.min(maxInFlight, 2048));
        KafkaBatch batch = new KafkaBatch(context.createProducerTemplate(), workers,
                "direct:kafka-request", "direct:kafka-give-up",
                Integer.parseInt(required.apply("gateway.kafka.max-redeliveries")), maxInFlight, metrics);
        context.getRegistry().bind("kafkaBatch", batch);
        // after every poll, on the consumer's thread: commit the answered prefix of each partition
        context.getRegistry().bind(KafkaAfterPoll.BEAN, new KafkaAfterPoll(batch));
        // rebalances: a consumer commits what it answered for the partitions it hands over
        context.getRegistry().bind(KafkaRebalances.BEAN, new KafkaRebalances(required.apply("gateway.kafka.request-topic"), batch));
        KnownTopics topics = new KnownTopics(context.resolvePropertyPlaceholders("{{kafka.brokers}}"),
                KafkaClientSecurity.of(context));
        context.getRegistry().bind("kafkaIngress", new KafkaIngress(parser, chains, metrics,
                required.apply("gateway.kafka.reply-topic"), required.apply("gateway.kafka.reply-topic-pattern"),
                Long.parseLong(required.apply("gateway.kafka.max-record-bytes")), topics));
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() throws InterruptedException {
                workers.shutdown();
                workers.awaitTermination(5, TimeUnit.SECONDS);
                topics.close();
            }
        });
    }

    /**
     * The key-usage topic gets a record per changed key and instance every publish interval, and every
     * instance reads it whole at start: small segments that are compacted soon keep that read short
     * (Kafka never compacts the active segment, by default a week long).
     */
    private static void compactOften(String brokers, boolean embedded, KafkaClientSecurity security, String topic)
            throws Exception {
        try (Admin admin = Admin.create(security.with(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)))) {
            org.apache.kafka.common.config.ConfigResource resource = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
            List<org.apache.kafka.clients.admin.AlterConfigOp> ops = new ArrayList<>();
            for (Map.Entry<String, String> e : Map.of("segment.ms", "600000", "min.cleanable.dirty.ratio", "0.1",
                    "cleanup.policy", "compact").entrySet()) {
                ops.add(new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                        e.getKey(), e.getValue()), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET));
            }
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (embedded) {
                throw e;
            }
            LOG.warn("Could not set the compaction of {} on {} ({}); set cleanup.policy=compact, segment.ms=600000 "
                    + "yourself", topic, brokers, e.getMessage());
        }
    }

    /**
     * Creates the gateway's topics when missing (an existing topic is left as it is). The first contact with the
     * cluster: credentials it refuses stop start-up here, with one line (no consumer retries them forever).
     */
    private static void createTopics(String brokers, boolean embedded, KafkaClientSecurity security, int partitions,
            String... names) throws Exception {
        createTopics(brokers, embedded, security, partitions, null, names);
    }

    /** As above, with these topic configs (null: compacted when partitions == 1, else the broker's defaults). */
    private static void createTopics(String brokers, boolean embedded, KafkaClientSecurity security, int partitions,
            Map<String, String> configs, String... names) throws Exception {
        try (Admin admin = Admin.create(security.with(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000)))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (String name : names) {
                if (!existing.contains(name)) {
                    NewTopic topic = new NewTopic(name, Optional.of(partitions),
                            embedded ? Optional.of((short) 1) : Optional.empty());
                    if (configs != null) {
                        topic.configs(configs);
                    } else if (partitions == 1) {
                        // the health topic: only the last result per provider (the key) matters
                        topic.configs(Map.of("cleanup.policy", "compact"));
                    }
                    missing.add(topic);
                }
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                    LOG.info("Created Kafka topics {} ({} partitions)", missing.stream().map(NewTopic::name).toList(),
                            partitions);
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw e;
                    }
                    // instances starting together: another one created it a moment ago, which is what was wanted
                    LOG.info("Kafka topics {} exist (created by another instance meanwhile)",
                            missing.stream().map(NewTopic::name).toList());
                }
            }
        } catch (Exception e) {
            if (embedded) {
                throw e;
            }
            Throwable refused = authenticationFailure(e);
            if (refused != null) {
                throw new dev.aigateway.config.SettingException("Kafka on " + brokers + " refused the gateway's login ("
                        + "kafka.security-protocol=" + security + "): " + security.redact(refused.getMessage())
                        + " - check kafka.sasl-jaas-config / kafka.sasl-jaas-config-file and the ssl settings");
            }
            LOG.warn("Could not check or create the Kafka topics on {} ({}); create them yourself if they are missing",
                    brokers, security.redact(e.getMessage()));
        }
    }
}

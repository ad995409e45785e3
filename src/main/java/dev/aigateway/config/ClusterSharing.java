package dev.aigateway.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.CommonClientConfigs;

import dev.aigateway.auth.ApiKeys;
import dev.aigateway.auth.KeyUsageTopic;
import dev.aigateway.health.ProviderHealth;

/**
 * What the instances of one cluster share through Kafka (issue 13): key usage on the key-usage topic, and
 * the cooldowns providers ask for on the health topic. With Kafka off nothing is shared: each instance
 * counts and cools down on its own.
 */
final class ClusterSharing {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterSharing.class);

    private ClusterSharing() {
    }

    static void configure(CamelContext context, Settings settings, Function<String, String> required,
            ApiKeys apiKeys, ProviderHealth health) throws Exception {
        if (!settings.bool("gateway.kafka.enabled")) {
            return;
        }
        String brokers = context.resolvePropertyPlaceholders("{{kafka.brokers}}");
        // cooldowns: sent like the probe results, by camel-kafka (its producer settings)
        ProducerTemplate template = context.createProducerTemplate();
        String healthTopic = "kafka:" + required.apply("gateway.kafka.health-topic") + "?brokers=" + brokers;
        health.shareCooldowns((key, value) -> template.asyncSend(healthTopic, e -> {
            e.getMessage().setHeader(KafkaConstants.KEY, key);
            e.getMessage().setBody(value);
        }).whenComplete((sent, error) -> {
            Throwable failure = error != null ? error : sent == null ? null : sent.getException();
            if (failure != null) {
                LOG.warn("A provider cooldown could not be published on {} ({}): the other instances learn it from "
                        + "their own calls", required.apply("gateway.kafka.health-topic"), failure.getMessage());
            }
        }), settings.duration("gateway.shared-cooldown-max", 1));
        if (!apiKeys.enabled()) {
            return; // no keys, no usage to share
        }
        Path idFile = Path.of(required.apply("gateway.kafka.embedded.data-dir")).toAbsolutePath().getParent()
                .resolve("instance-id");
        String instance;
        try {
            instance = KeyUsageTopic.instanceId(settings.optional("gateway.instance-id"), idFile);
        } catch (IllegalArgumentException e) {
            throw new SettingException(e.getMessage());
        }
        // the key-usage topic's own producer and reader, with the Kafka client security of every other client
        Map<String, Object> client = new HashMap<>();
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, brokers);
        dev.aigateway.kafka.KafkaClientSecurity.of(context).apply(client);
        KeyUsageTopic usage = new KeyUsageTopic(client, required.apply("gateway.kafka.key-usage-topic"), instance,
                settings.duration("gateway.usage.publish-interval", 1));
        context.getRegistry().bind("keyUsageTopic", usage);
        // DOWN until the key-usage topic is read to its end: before that neither this instance's counts from before
        // a restart nor the others' are known, so budgets and rpm could not hold (keyed requests get 503 / wait)
        context.getRegistry().bind("keyUsageReadiness", KeyUsageTopic.readiness(usage));
        apiKeys.shareUsage(usage);
        // stopped after the routes (services stop in reverse order): the last counts are published
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                usage.close();
            }
        });
    }
}

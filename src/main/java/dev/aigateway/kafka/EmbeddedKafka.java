package dev.aigateway.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker + controller) inside the gateway's JVM, for the
 * embedded default and the tests: no Docker, no separate install. Its data directory is kept between
 * runs, so requests not yet answered are still there after a restart; delete it to start empty.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);

    private final KafkaRaftServer server;
    private final String bootstrap;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrap) {
        this.server = server;
        this.bootstrap = bootstrap;
    }

    /** Formats {@code dataDir} if it is new, then starts the broker on 127.0.0.1:{@code port} (controller on port+1). */
    public static EmbeddedKafka start(Path dataDir, int port) throws IOException {
        return start(dataDir, port, Map.of());
    }

    /**
     * As {@link #start(Path, int)}; with {@code plainUsers} (user name to password) not empty the client listener is
     * SASL_PLAINTEXT with the PLAIN mechanism, and only those users get in (how the security settings are tested).
     */
    public static EmbeddedKafka start(Path dataDir, int port, Map<String, String> plainUsers) throws IOException {
        // Kafka halts the whole JVM when it cannot bind: check first, and say what to do
        for (int p : new int[] { port, port + 1 }) {
            try (ServerSocket probe = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
            } catch (IOException inUse) {
                throw new IOException("the embedded Kafka broker needs 127.0.0.1:" + port + " and " + (port + 1) + ", but "
                        + p + " is in use. Free it, set GATEWAY_KAFKA_EMBEDDED_PORT, point KAFKA_BROKERS at a running "
                        + "cluster, or set GATEWAY_KAFKA_ENABLED=false", inUse);
            }
        }
        Files.createDirectories(dataDir);
        Path logs = dataDir.resolve("logs").toAbsolutePath();
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + (port + 1));
        String listener = plainUsers.isEmpty() ? "PLAINTEXT" : "SASL_PLAINTEXT";
        p.put("listeners", listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + (port + 1));
        p.put("advertised.listeners", listener + "://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", listener);
        if (!plainUsers.isEmpty()) {
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        }
        p.put("log.dirs", logs.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "4");
        // as on most production clusters: topics exist because someone created them
        p.put("auto.create.topics.enable", "false");
        // a small heap must not be eaten by the log cleaner's default 128 MiB buffer
        p.put("log.cleaner.dedupe.buffer.size", "8388608");
        Path config = dataDir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(config)) {
            p.store(w, "embedded broker of the AI failover gateway (rewritten at every start)");
        }
        if (!plainUsers.isEmpty()) {
            // the passwords stay out of server.properties: only the running broker knows them
            String broker = java.util.UUID.randomUUID().toString();
            StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"")
                    .append(broker).append("\" user_broker=\"").append(broker).append('"');
            plainUsers.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
            p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        }
        boolean reused = Files.exists(logs.resolve("meta.properties"));
        if (!reused) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = StorageTool.execute(new String[] { "format", "-t", Uuid.randomUuid().toString(), "-c",
                    config.toString(), "--ignore-formatted" }, new PrintStream(out, true, StandardCharsets.UTF_8));
            if (code != 0) {
                throw new IOException("could not format " + logs + ": " + out.toString(StandardCharsets.UTF_8));
            }
        }
        long t0 = System.nanoTime();
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        String bootstrap = "127.0.0.1:" + port;
        LOG.info("Embedded Kafka broker on {}{} ready in {} ms, data in {} ({})", bootstrap,
                plainUsers.isEmpty() ? "" : " (SASL_PLAINTEXT, PLAIN, users " + new java.util.TreeSet<>(plainUsers.keySet()) + ")",
                (System.nanoTime() - t0) / 1_000_000, dataDir, reused
                        ? "reused: unanswered requests from the last run are still there; delete the folder to start empty"
                        : "new");
        return new EmbeddedKafka(server, bootstrap);
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}

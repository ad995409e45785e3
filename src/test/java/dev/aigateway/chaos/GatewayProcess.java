package dev.aigateway.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.test.AvailablePortFinder;

import dev.aigateway.GatewayApplication;

/**
 * One gateway instance in a JVM of its own, started as a user starts it (the repo root, config/ and routes/,
 * settings as environment variables) from the classes the tests run with — no packaged jar needed. It can
 * be killed like a crashed host (SIGKILL: nothing runs, nothing is committed) or stopped as an operator
 * stops it (SIGTERM: Camel's graceful shutdown). Its output goes to {@code target/chaos/<name>.log}.
 */
public final class GatewayProcess implements AutoCloseable {
    /** Small, quick-to-start child JVMs: several share the CI's two cores with the broker and the test. */
    static final List<String> JVM_FLAGS = List.of("-Xmx320m", "-Xss512k", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-XX:CICompilerCount=1");

    final String name;
    final int httpPort;
    final int managementPort;
    final Path log;
    private final Process process;

    private GatewayProcess(String name, int httpPort, int managementPort, Path log, Process process) {
        this.name = name;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts an instance with {@code env} on top of the test defaults (own HTTP, management and simulator
     * ports, simulator off, no hot reload, health probes once an hour) and returns at once; see {@link #awaitReady}.
     */
    static GatewayProcess start(String name, Map<String, String> env) throws IOException {
        Path dir = Path.of("target", "chaos");
        Files.createDirectories(dir);
        Path log = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(JVM_FLAGS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayApplication.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command).directory(new File(".")).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        int http = AvailablePortFinder.getNextAvailable();
        int management = AvailablePortFinder.getNextAvailable();
        Map<String, String> e = pb.environment();
        e.put("GATEWAY_HTTP_PORT", String.valueOf(http));
        e.put("CAMEL_MANAGEMENT_PORT", String.valueOf(management));
        e.put("GATEWAY_SIMULATOR_PORT", String.valueOf(AvailablePortFinder.getNextAvailable()));
        e.put("GATEWAY_SIMULATOR_MODE", "off");
        e.put("CAMEL_MAIN_ROUTES_RELOAD_ENABLED", "false");
        e.put("HEALTH_INTERVAL", "1h");
        // its own usage records on ai.key-usage (the instances share this working directory's data/instance-id)
        e.put("GATEWAY_INSTANCE_ID", name);
        e.putAll(env);
        return new GatewayProcess(name, http, management, log, pb.start());
    }

    /** Waits until the instance consumes requests (its Kafka consumers subscribed), or fails with its log. */
    GatewayProcess awaitReady(Duration timeout) {
        org.awaitility.Awaitility.await(name + " ready").atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
            }
            return log().contains("Subscribing to topic(s) ai.requests");
        });
        return this;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL, as a crashed host: no shutdown hook, no commit, no goodbye to the group. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as an operator stops it; SIGKILL if it has not stopped within {@code grace}. Returns true if it stopped by itself. */
    boolean stop(Duration grace) throws InterruptedException {
        process.destroy();
        if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        kill();
        return false;
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    /** The last lines of the log, for a failure message. */
    String tail() {
        List<String> lines = log().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(20));
        }
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ", http " + httpPort + ")";
    }
}

package dev.aigateway.kafka;

import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.aigateway.TestGateway;

/**
 * A real broker and a gateway on it for one test class:
 * {@code @RegisterExtension static final KafkaGateway env = KafkaGateway.perClass(settings)} starts both before
 * the class's tests, resets the gateway before each test and stops both after the last.
 */
final class KafkaGateway implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    KafkaTestSupport kafka;
    TestGateway gw;
    private final Map<String, String> settings;
    private Consumer<KafkaTestSupport> beforeStart = k -> { };

    private KafkaGateway(Map<String, String> settings) {
        this.settings = settings;
    }

    static KafkaGateway perClass(Map<String, String> settings) {
        return new KafkaGateway(settings);
    }

    /** Runs on the broker before the gateway starts (topics the test needs to exist already). */
    KafkaGateway beforeStart(Consumer<KafkaTestSupport> step) {
        this.beforeStart = step;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        kafka = new KafkaTestSupport();
        beforeStart.accept(kafka);
        gw = kafka.startGateway(settings);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        gw.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        gw.close();
        kafka.close();
    }
}

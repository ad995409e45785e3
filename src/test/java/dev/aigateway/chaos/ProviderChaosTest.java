package dev.aigateway.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * The primary provider dies or hangs in the middle of a load: every request is still answered, once.
 * openai runs on a simulator of its own, so it can be killed (its port closed) while the others live.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProviderChaosTest {
    static ProviderSimulator openai = startOpenAi(0);

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.base-url", openai.baseUrl("openai"),
            "provider.openai.timeout", "1000", "stream.first-token-timeout", "1s"));

    static ProviderSimulator startOpenAi(int port) {
        ProviderSimulator sim = new ProviderSimulator("127.0.0.1").start(port);
        sim.provider("openai", "openai", 20, 0);
        return sim;
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @Test
    @Order(2)
    void aProviderKilledMidLoadLosesNoRequest() throws Exception {
        int port = openai.port();
        Load.Tally t = Load.run("provider-killed", gw.port, 600, 32, List.of(gw.upstream, openai), answered -> {
            Load.awaitAnswered(answered, 150);
            openai.close(); // connections reset, then refused
        });
        assertEquals(600, t.answered(), t.toString());
        assertEquals(0, t.lost() + t.failed() + t.duplicated(), t.toString());
        assertTrue(t.providers().getOrDefault("anthropic", 0) > 0, "the rest went to the backup: " + t);
        assertTrue(t.providers().getOrDefault("openai", 0) > 0, "openai answered before it died: " + t);
        openai = startOpenAi(port); // back, for the next scenario
    }

    @Test
    @Order(1)
    void aProviderThatHangsMidLoadLosesNoRequest() throws Exception {
        Load.Tally t = Load.run("provider-hangs", gw.port, 300, 32, List.of(gw.upstream, openai), answered -> {
            Load.awaitAnswered(answered, 75);
            openai.provider("openai").faults(Faults.of("hang"));
        });
        assertEquals(300, t.answered(), t.toString());
        assertEquals(0, t.lost() + t.failed() + t.duplicated(), t.toString());
        assertTrue(t.providers().getOrDefault("anthropic", 0) > 0, t.toString());
        assertTrue(t.providers().getOrDefault("openai", 0) > 0, "openai answered before it hung: " + t);
        openai.provider("openai").reset();
    }
}

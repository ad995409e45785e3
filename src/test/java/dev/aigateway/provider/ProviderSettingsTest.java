package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileReader;
import java.util.Properties;

import org.junit.jupiter.api.Test;

/** The shipped config/application.properties describes every provider completely. */
class ProviderSettingsTest {

    @Test
    void shippedConfigReadsForEveryProvider() throws Exception {
        Properties p = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            p.load(r);
        }
        for (String name : p.getProperty("gateway.providers").split(",")) {
            ProviderSettings s = ProviderSettings.read(name.trim(), p::getProperty);
            assertTrue(s.outputPricePerMTok() > 0, name);
            assertTrue(s.timeoutMs() > 0, name);
            assertEquals(50f, s.breaker().failureRateThreshold(), name);
            assertEquals(30_000, s.breaker().waitInOpenStateMs(), name);
        }
        ProviderSettings openai = ProviderSettings.read("openai", p::getProperty);
        assertEquals("https://api.openai.com/v1", openai.baseUrl());
        assertEquals(8.00, openai.outputPricePerMTok());
        assertEquals("https://api.anthropic.com", ProviderSettings.read("anthropic", p::getProperty).baseUrl());
        assertEquals(15.00, ProviderSettings.read("anthropic", p::getProperty).outputPricePerMTok());
        assertEquals(0.42, ProviderSettings.read("deepseek", p::getProperty).outputPricePerMTok());
        assertEquals(2.50, ProviderSettings.read("gemini", p::getProperty).outputPricePerMTok());
    }

    @Test
    void perProviderBreakerOverrideWins() throws Exception {
        Properties p = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            p.load(r);
        }
        p.setProperty("provider.deepseek.breaker.failure-rate-threshold", "80");
        assertEquals(80f, ProviderSettings.read("deepseek", p::getProperty).breaker().failureRateThreshold());
        assertEquals(50f, ProviderSettings.read("openai", p::getProperty).breaker().failureRateThreshold());
    }

    @Test
    void missingSettingNamesItsEnvVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProviderSettings.read("acme", k -> null));
        assertTrue(e.getMessage().contains("PROVIDER_ACME_API"), e.getMessage());
    }

    @Test
    void unreadableValueNamesTheKeyActuallyRead() throws Exception {
        Properties p = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            p.load(r);
        }
        p.setProperty("provider.deepseek.breaker.wait-in-open-state", "soon");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ProviderSettings.read("deepseek", p::getProperty));
        assertTrue(e.getMessage().contains("provider.deepseek.breaker.wait-in-open-state (env "
                + "PROVIDER_DEEPSEEK_BREAKER_WAIT_IN_OPEN_STATE) = 'soon'"), e.getMessage());
        p.setProperty("breaker.failure-rate-threshold", "abc");
        e = assertThrows(IllegalStateException.class, () -> ProviderSettings.read("openai", p::getProperty));
        assertTrue(e.getMessage().startsWith("Setting breaker.failure-rate-threshold"), e.getMessage());
        p.setProperty("breaker.failure-rate-threshold", "50");
        p.setProperty("provider.openai.timeout", "2m");
        assertEquals(120_000, ProviderSettings.read("openai", p::getProperty).timeoutMs());
        p.setProperty("provider.openai.api", "openia");
        e = assertThrows(IllegalStateException.class, () -> ProviderSettings.read("openai", p::getProperty));
        assertTrue(e.getMessage().endsWith("accepted: one of openai, anthropic, azure, gemini, bedrock"), e.getMessage());
    }
}

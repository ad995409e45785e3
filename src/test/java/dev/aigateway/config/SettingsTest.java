package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Typed settings: what each reader accepts, and the one-line message naming key, variable, value and forms. */
class SettingsTest {
    private final Map<String, String> values = new HashMap<>();
    private final Settings settings = new Settings(values::get);

    @Test
    void durationsInEveryForm() {
        values.put("a", "250ms");
        values.put("b", "30s");
        values.put("c", "2m");
        values.put("d", "30000");
        assertEquals(250, settings.duration("a"));
        assertEquals(30_000, settings.duration("b"));
        assertEquals(120_000, settings.duration("c"));
        assertEquals(30_000, settings.duration("d"));
    }

    @Test
    void unreadableDurationNamesKeyVariableValueAndForms() {
        values.put("provider.openai.timeout", "thirty");
        assertMessage(() -> settings.duration("provider.openai.timeout"),
                "Setting provider.openai.timeout (env PROVIDER_OPENAI_TIMEOUT) = 'thirty' cannot be read; "
                        + "accepted: a duration: 250ms, 30s, 2m, 1h, or a bare number of milliseconds");
    }

    @Test
    void durationBelowItsMinimumIsRefused() {
        values.put("health.interval", "0s");
        assertMessage(() -> settings.duration("health.interval", 1),
                "Setting health.interval (env HEALTH_INTERVAL) = '0s' cannot be read; "
                        + "accepted: a duration of at least 1ms: 250ms, 30s, 2m, 1h, or a bare number of milliseconds");
        assertEquals(0, settings.duration("health.interval"));
    }

    @Test
    void integersWithinTheirRange() {
        values.put("gateway.kafka.consumers", " 4 ");
        assertEquals(4, settings.integer("gateway.kafka.consumers", 1, Integer.MAX_VALUE));
        values.put("gateway.kafka.consumers", "0");
        assertMessage(() -> settings.integer("gateway.kafka.consumers", 1, Integer.MAX_VALUE),
                "Setting gateway.kafka.consumers (env GATEWAY_KAFKA_CONSUMERS) = '0' cannot be read; "
                        + "accepted: a whole number, 1 or more");
        values.put("gateway.http.port", "80a");
        assertMessage(() -> settings.integer("gateway.http.port", 0, 65535),
                "Setting gateway.http.port (env GATEWAY_HTTP_PORT) = '80a' cannot be read; "
                        + "accepted: a whole number from 0 to 65535");
        values.put("gateway.http.port", "70000");
        assertThrows(SettingException.class, () -> settings.integer("gateway.http.port", 0, 65535));
        values.put("gateway.http.port", "4.5");
        assertThrows(SettingException.class, () -> settings.integer("gateway.http.port", 0, 65535));
    }

    @Test
    void numbersTheirPredicateAccepts() {
        values.put("breaker.failure-rate-threshold", "50");
        assertEquals(50.0, settings.number("breaker.failure-rate-threshold", "a percentage", v -> v > 0 && v <= 100));
        for (String bad : new String[] { "abc", "0", "101", "NaN", "Infinity", "" + Double.MAX_VALUE + "0" }) {
            values.put("breaker.failure-rate-threshold", bad);
            assertMessage(() -> settings.number("breaker.failure-rate-threshold", "a percentage above 0, at most 100",
                    v -> v > 0 && v <= 100), "Setting breaker.failure-rate-threshold (env BREAKER_FAILURE_RATE_THRESHOLD) = '"
                            + bad + "' cannot be read; accepted: a percentage above 0, at most 100");
        }
    }

    @Test
    void booleansAreTrueOrFalseAndNothingElse() {
        values.put("gateway.auth.enabled", "true");
        assertTrue(settings.bool("gateway.auth.enabled"));
        values.put("gateway.auth.enabled", " FALSE ");
        assertFalse(settings.bool("gateway.auth.enabled"));
        for (String typo : new String[] { "ture", "yes", "1", "on", "flase" }) {
            values.put("gateway.auth.enabled", typo);
            assertMessage(() -> settings.bool("gateway.auth.enabled"),
                    "Setting gateway.auth.enabled (env GATEWAY_AUTH_ENABLED) = '" + typo + "' cannot be read; "
                            + "accepted: true or false");
        }
    }

    @Test
    void optionalBooleanTakesItsDefaultOnlyWhenUnset() {
        assertTrue(settings.bool("provider.anthropic.assistant-prefill", true));
        values.put("provider.anthropic.assistant-prefill", "");
        assertFalse(settings.bool("provider.anthropic.assistant-prefill", false));
        values.put("provider.anthropic.assistant-prefill", "ture");
        assertThrows(SettingException.class, () -> settings.bool("provider.anthropic.assistant-prefill", true));
    }

    @Test
    void oneOfReturnsTheCanonicalSpelling() {
        values.put("health.mode", "Try-Last");
        assertEquals("try-last", settings.oneOf("health.mode", "skip", "try-last"));
        values.put("health.mode", "sometimes");
        assertMessage(() -> settings.oneOf("health.mode", "skip", "try-last"),
                "Setting health.mode (env HEALTH_MODE) = 'sometimes' cannot be read; accepted: one of skip, try-last");
    }

    @Test
    void missingOrBlankSettingNamesItsVariable() {
        values.put("gateway.providers", "  ");
        assertMessage(() -> settings.required("gateway.providers"), "Missing setting gateway.providers "
                + "(env GATEWAY_PROVIDERS): set it in the properties file or the environment");
        assertMessage(() -> settings.duration("stream.idle-timeout"), "Missing setting stream.idle-timeout "
                + "(env STREAM_IDLE_TIMEOUT): set it in the properties file or the environment");
        assertNull(settings.optional("gateway.providers"));
    }

    @Test
    void aLongValueIsShortenedInTheMessage() {
        values.put("gateway.auth.enabled", "x".repeat(500));
        SettingException e = assertThrows(SettingException.class, () -> settings.bool("gateway.auth.enabled"));
        assertTrue(e.getMessage().contains("'" + "x".repeat(80) + "…'"), e.getMessage());
        assertTrue(e.getMessage().length() < 250, e.getMessage());
    }

    @Test
    void foundAmongTheCausesCamelWrapsItIn() {
        SettingException s = new SettingException("bad");
        assertEquals(s, SettingException.in(new RuntimeException(new IllegalStateException(s))));
        assertNull(SettingException.in(new RuntimeException(new NumberFormatException("x"))));
    }

    private static void assertMessage(Executable call, String message) {
        assertEquals(message, assertThrows(SettingException.class, call).getMessage());
    }
}

package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one duration syntax of every setting. */
class DurationsTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({
            "250ms, 250", "30s, 30000", "2m, 120000", "1h, 3600000", "30000, 30000", "0, 0", "0ms, 0",
            "1.5s, 1500", "0.25m, 15000", "' 30s ', 30000", "30 s, 30000", "30S, 30000", "500MS, 500",
            "2.4ms, 2", "2.5ms, 3", "9223372036854775807, 9223372036854775807" })
    void everyForm(String text, long millis) {
        assertEquals(millis, Durations.parseMillis(text));
    }

    @ParameterizedTest(name = "''{0}'' is refused")
    @ValueSource(strings = { "thirty", "", " ", "30x", "s", "ms", "-5s", "+5s", "1e3", "1e3s", "1m30s", "30 sec",
            "NaN", "Infinitys", "3,5s", ".5s", "5.s", "30ss", "9223372036854775808", "99999999999999999999h" })
    void badFormsAreRefusedWithTheFormsToUse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(text));
        assertTrue(e.getMessage().startsWith("Not a duration: '" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("250ms, 30s, 2m, 1h, or a bare number of milliseconds"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void nullIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Durations.parseMillis(null));
    }
}

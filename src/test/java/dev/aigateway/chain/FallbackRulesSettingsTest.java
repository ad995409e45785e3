package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.aigateway.config.SettingException;

/** Reading the fallback rules: the syntax, the defaults, and deployments inheriting their provider's values. */
class FallbackRulesSettingsTest {
    @Test
    void defaultIsTodaysPolicy() {
        FallbackRules rules = new FallbackRules(Map.<String, String>of()::get, List.of("openai"));
        for (int status : new int[] { 500, 503, 529, 429, 401, 403, 404, 408 }) {
            assertTrue(rules.fallsBackOnStatus("openai", status), "status " + status);
        }
        assertTrue(rules.fallsBack("openai", "timeout"));
        assertTrue(rules.fallsBack("openai", "connection"));
        assertTrue(rules.fallsBack("openai", FallbackRules.CONTEXT_WINDOW));
        assertFalse(rules.contentFilterFallsBack("openai"));
    }

    @Test
    void unknownClassStopsStartUpNamingTheKey() {
        SettingException e = assertThrows(SettingException.class, () -> new FallbackRules(
                Map.of("provider.openai.fallback-on", "5xx,tiemout")::get, List.of("openai")));
        assertTrue(e.getMessage().contains("provider.openai.fallback-on") && e.getMessage().contains("tiemout"), e.getMessage());
    }

    @Test
    void deploymentsInheritTheirProvidersWindowAndRules() {
        FallbackRules rules = new FallbackRules(Map.of(
                "provider.openai.context-window", "1047576",
                "provider.openai.deployment.eu.context-window", "128000",
                "provider.openai.fallback-on", "5xx,timeout",
                "gateway.content-filter", "fallback")::get, List.of("openai.us", "openai.eu"));
        assertEquals(1047576, rules.contextWindow("openai.us"));
        assertEquals(128000, rules.contextWindow("openai.eu"));
        assertFalse(rules.fallsBackOnStatus("openai.us", 401));
        assertTrue(rules.fallsBackOnStatus("openai.eu", 502));
        assertTrue(rules.contentFilterFallsBack("openai.us"));
        assertTrue(rules.windowTooSmall("openai.eu", 1047576), "the item-6 hook: a known token count");
        assertEquals("openai.us", rules.largestWindow(List.of("openai.eu", "openai.us")));
    }
}

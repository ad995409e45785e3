package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * docs/settings.md is the user's reference and cannot drift from config/application.properties: every setting
 * has a row with its real default and its environment variable, and no row names a setting that does not exist.
 */
class SettingsReferenceTest {

    static final java.nio.file.Path REFERENCE = Docs.DIR.resolve("settings.md");

    /** A row of one concrete setting: | `name` | `default` or *(empty)* | environment | what |. */
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| (`([^`]*)`|\\*\\(empty\\)\\*) \\| ([^|]*) \\|");
    /** Any row whose first cell is a setting-like name in backticks, placeholders included. */
    private static final Pattern ANY_ROW = Pattern.compile("(?m)^\\| `([a-z0-9][a-z0-9.<>*-]*)`");

    @Test
    void everySettingIsDocumentedWithItsDefaultAndEnvironmentVariable() {
        Properties config = Docs.settings();
        Map<String, String> defaults = new HashMap<>();
        Map<String, String> env = new HashMap<>();
        Matcher row = ROW.matcher(Docs.read(REFERENCE));
        while (row.find()) {
            defaults.put(row.group(1), row.group(3) == null ? "" : row.group(3));
            env.put(row.group(1), row.group(4).strip());
        }
        TreeSet<String> missing = new TreeSet<>(config.stringPropertyNames());
        missing.removeAll(defaults.keySet());
        assertTrue(missing.isEmpty(), "settings missing from docs/settings.md: " + missing);
        for (String key : config.stringPropertyNames()) {
            assertEquals(config.getProperty(key).trim(), defaults.get(key).replace("\\\\", "\\"),
                    "docs/settings.md default of " + key);
            assertTrue(envCellNames(env.get(key), key, config),
                    "docs/settings.md environment variable of " + key + " is " + env.get(key) + ", expected `"
                            + Settings.envName(key) + "`");
        }
    }

    /**
     * The cell is the key's own variable ({@code `PROVIDER_OPENAI_TIMEOUT`}; {@code camel.component.*} rows add
     * a † as Camel ignores it), or "— (set X)" for a key bound to another setting, X being that setting's variable.
     */
    private static boolean envCellNames(String cell, String key, Properties config) {
        if (cell.equals("`" + Settings.envName(key) + "`") || cell.matches("`" + Settings.envName(key) + "` ?†")) {
            return true;
        }
        Matcher other = Pattern.compile("— \\(set `?([A-Z0-9_]+)`?\\)").matcher(cell);
        return other.matches() && config.stringPropertyNames().stream()
                .anyMatch(k -> !k.equals(key) && Settings.envName(k).equals(other.group(1)));
    }

    @Test
    void noRowNamesASettingThatDoesNotExist() {
        Properties config = Docs.settings();
        String sources = Docs.mainSources();
        List<String> unknown = new ArrayList<>();
        Matcher row = ANY_ROW.matcher(Docs.read(REFERENCE));
        int rows = 0;
        while (row.find()) {
            rows++;
            if (!Docs.isSetting(row.group(1), config, sources)) {
                unknown.add(row.group(1));
            }
        }
        assertTrue(rows >= config.size(), "rows read: " + rows);
        assertTrue(unknown.isEmpty(), "docs/settings.md has rows for settings that do not exist: " + unknown);
    }
}

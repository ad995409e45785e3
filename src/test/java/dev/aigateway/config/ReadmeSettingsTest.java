package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The README's settings table is the user's reference: every setting is in it, with its real default. */
class ReadmeSettingsTest {

    @Test
    void everySettingIsDocumentedWithItsDefault() throws Exception {
        Properties config = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            config.load(r);
        }
        Map<String, String> documented = new HashMap<>();
        Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9.-]+)` \\| (`([^`]*)`|\\*\\(empty\\)\\*) \\|")
                .matcher(Files.readString(Path.of("README.md")));
        while (row.find()) {
            documented.put(row.group(1), row.group(3) == null ? "" : row.group(3));
        }
        TreeSet<String> missing = new TreeSet<>(config.stringPropertyNames());
        missing.removeAll(documented.keySet());
        assertTrue(missing.isEmpty(), "settings missing from the README's table: " + missing);
        for (String key : config.stringPropertyNames()) {
            assertEquals(config.getProperty(key).trim(), documented.get(key).replace("\\\\", "\\"),
                    "README default of " + key);
        }
    }
}

package dev.aigateway.provider;

import java.util.Locale;

/** Parses "30s", "500ms", "2m" or a bare number of milliseconds, the forms the settings file uses. */
public final class Durations {
    private Durations() {
    }

    public static long parseMillis(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Long.parseLong(t.substring(0, t.length() - 2).trim());
            }
            if (t.endsWith("s")) {
                return Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000);
            }
            if (t.endsWith("m")) {
                return Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 60_000);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Not a duration: '" + text + "' (use 500ms, 30s, 2m)", e);
        }
    }
}

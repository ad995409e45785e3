package dev.aigateway.config;

import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;
import java.util.function.Function;

import dev.aigateway.provider.Durations;

/**
 * Reads typed settings. A value that cannot be read stops start-up with a {@link SettingException} naming
 * the key, its environment variable, the value and the forms accepted, so the operator fixes it in one go.
 */
public final class Settings {
    private static final int MAX_SHOWN = 80;
    private final Function<String, String> lookup;

    /** @param lookup a key's value (environment overrides included), or null when it is not set */
    public Settings(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    /** The trimmed value; a missing or blank key fails naming its environment variable. */
    public String required(String key) {
        String v = optional(key);
        if (v == null) {
            throw new SettingException("Missing setting " + key + " (env " + envName(key)
                    + "): set it in the properties file or the environment");
        }
        return v;
    }

    /** The trimmed value, or null when the key is missing or blank. */
    public String optional(String key) {
        String v = lookup.apply(key);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Milliseconds, from {@code 250ms}, {@code 30s}, {@code 2m}, {@code 1h} or a bare number of ms. */
    public long duration(String key) {
        return duration(key, 0);
    }

    /** A duration of at least {@code minMillis}. */
    public long duration(String key, long minMillis) {
        String v = required(key);
        long ms;
        try {
            ms = Durations.parseMillis(v);
        } catch (IllegalArgumentException e) {
            throw invalid(key, v, "a duration: " + Durations.FORMS);
        }
        if (ms < minMillis) {
            throw invalid(key, v, "a duration of at least " + minMillis + "ms: " + Durations.FORMS);
        }
        return ms;
    }

    /** A whole number from {@code min} to {@code max}. */
    public int integer(String key, int min, int max) {
        String v = required(key);
        String accepted = max == Integer.MAX_VALUE ? "a whole number, " + min + " or more"
                : "a whole number from " + min + " to " + max;
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below with the key
        }
        throw invalid(key, v, accepted);
    }

    /** A number (decimals allowed) that {@code valid} accepts; {@code accepted} says which, for the message. */
    public double number(String key, String accepted, DoublePredicate valid) {
        String v = required(key);
        try {
            double d = Double.parseDouble(v);
            if (Double.isFinite(d) && valid.test(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below with the key
        }
        throw invalid(key, v, accepted);
    }

    /** {@code true} or {@code false} (any case): a typo such as {@code ture} fails instead of meaning false. */
    public boolean bool(String key) {
        return parseBool(key, required(key));
    }

    /** Like {@link #bool(String)}, with {@code dflt} when the key is not set. */
    public boolean bool(String key, boolean dflt) {
        String v = optional(key);
        return v == null ? dflt : parseBool(key, v);
    }

    /** One of {@code allowed} (any case), returned as written in {@code allowed}. */
    public String oneOf(String key, String... allowed) {
        String v = required(key);
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                return a;
            }
        }
        throw invalid(key, v, "one of " + String.join(", ", List.of(allowed)));
    }

    /** The environment variable overriding {@code key}: upper case, {@code .} and {@code -} as {@code _}. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The exception for a value of {@code key} that cannot be used; {@code accepted} lists what can. */
    public static SettingException invalid(String key, String value, String accepted) {
        String shown = value.length() > MAX_SHOWN ? value.substring(0, MAX_SHOWN) + "…" : value;
        return new SettingException("Setting " + key + " (env " + envName(key) + ") = '" + shown
                + "' cannot be read; accepted: " + accepted);
    }

    private static boolean parseBool(String key, String v) {
        if ("true".equalsIgnoreCase(v)) {
            return true;
        }
        if ("false".equalsIgnoreCase(v)) {
            return false;
        }
        throw invalid(key, v, "true or false");
    }
}

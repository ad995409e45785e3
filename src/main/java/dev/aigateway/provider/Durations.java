package dev.aigateway.provider;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration syntax of every setting: {@code 250ms}, {@code 30s}, {@code 2m}, {@code 1h}, or a bare
 * number of milliseconds ({@code 30000}); a decimal is allowed ({@code 1.5s}), a sign or a mixed form is not.
 */
public final class Durations {
    /** What an error message offers instead of a value it cannot read. */
    public static final String FORMS = "250ms, 30s, 2m, 1h, or a bare number of milliseconds";
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");
    private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private Durations() {
    }

    /** @throws IllegalArgumentException naming the text and {@link #FORMS} when it is not a duration */
    public static long parseMillis(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("Not a duration: '" + text + "' (use " + FORMS + ")");
        }
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "ms" -> 1;
            case "s" -> 1_000;
            case "m" -> 60_000;
            default -> 3_600_000;
        };
        BigDecimal millis = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (millis.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("Not a duration: '" + text + "' is too long (use " + FORMS + ")");
        }
        return millis.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }
}

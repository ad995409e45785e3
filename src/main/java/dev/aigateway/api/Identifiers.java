package dev.aigateway.api;

import java.util.regex.Pattern;

/**
 * The one rule for identifiers a client chooses and the gateway echoes into headers, record keys, topic
 * names and log lines (request_id, session_id, chain, reply-to): 1 to 128 characters of
 * {@code [A-Za-z0-9._:-]}. Checked first on both ingresses, so a CR/LF, a DEL or a 600 KB id is a 400 (or a
 * dead letter) before any provider is called.
 */
public final class Identifiers {
    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}");

    private Identifiers() {
    }

    public static boolean valid(String value) {
        return value != null && VALID.matcher(value).matches();
    }

    /** Returns {@code value} when it is a valid identifier (or null: absent), else throws a 400 naming {@code field}. */
    public static String check(String field, String value) {
        if (value == null || valid(value)) {
            return value;
        }
        throw new GatewayException(400, "invalid_request_error", "invalid_identifier", field, "'" + field
                + "' must be 1 to " + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ : - (got " + value.length()
                + " characters" + (value.length() <= MAX_LENGTH ? ", with a character outside that set" : "") + ")");
    }
}

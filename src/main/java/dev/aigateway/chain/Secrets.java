package dev.aigateway.chain;

import java.util.regex.Pattern;

/** Masks anything that looks like a credential before text leaves the gateway (logs, replies, errors). */
public final class Secrets {
    private static final Pattern KEY_LIKE = Pattern.compile(
            "(sk-[A-Za-z0-9_\\-*]{6,}|sk-ant-[A-Za-z0-9_\\-*]{6,}|AIza[0-9A-Za-z_\\-]{20,}|(?i:bearer)\\s+[A-Za-z0-9._\\-]{8,})");

    private Secrets() {
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        return KEY_LIKE.matcher(text).replaceAll("***");
    }
}

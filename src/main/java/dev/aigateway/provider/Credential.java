package dev.aigateway.provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A provider API key, from a file (re-read when it changes, so keys rotate without a restart) or from an
 * environment variable. Its {@code toString} never shows the secret.
 */
public final class Credential implements KeySource {
    private final String envName;
    private final Path file;
    private volatile String fromEnv;
    private volatile String fromFile;
    private volatile long fileStamp = Long.MIN_VALUE;

    private Credential(String envName, Path file, String fromEnv) {
        this.envName = envName;
        this.file = file;
        this.fromEnv = fromEnv;
    }

    public static Credential of(String envName, String file) {
        String value = envName == null ? null : System.getenv(envName);
        return new Credential(envName, file == null ? null : Path.of(file), blankToNull(value));
    }

    /** The key, or null when none is configured (then the provider is simulated or called without one). */
    public String value() {
        if (file != null) {
            try {
                long stamp = Files.getLastModifiedTime(file).toMillis();
                if (stamp != fileStamp) {
                    fromFile = blankToNull(Files.readString(file, StandardCharsets.UTF_8).trim());
                    fileStamp = stamp;
                }
                if (fromFile != null) {
                    return fromFile;
                }
            } catch (IOException e) {
                // a missing key file falls through to the env variable; the source is reported by describe()
            }
        }
        return fromEnv;
    }

    /**
     * Reads the key file now, whatever its timestamp says (a provider just refused the key: it may have been
     * rotated within the file system's timestamp resolution). Returns the key now in force.
     */
    public String reload() {
        if (file != null) {
            fileStamp = Long.MIN_VALUE;
        }
        return value();
    }

    public boolean present() {
        return value() != null;
    }

    /** Where the key comes from, for logs: never the key itself. */
    public String describe() {
        if (file != null && Files.isReadable(file)) {
            return "file " + file;
        }
        if (fromEnv != null) {
            return "env " + envName;
        }
        return envName != null ? "no key (set " + envName + ")" : "no key (no api-key-env configured)";
    }

    @Override
    public String toString() {
        return "Credential[" + describe() + "]";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}

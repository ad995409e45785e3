package dev.aigateway.config;

/**
 * A configuration mistake the operator fixes (a value that cannot be read, a missing key, a chain naming
 * an unknown provider). Its message is the whole story: start-up logs it as one line, without a stack trace.
 */
public class SettingException extends IllegalStateException {
    public SettingException(String message) {
        super(message);
    }

    /** The SettingException among {@code e}'s causes (Camel wraps what route loading throws), or null. */
    public static SettingException in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SettingException s) {
                return s;
            }
        }
        return null;
    }
}

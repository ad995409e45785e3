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

    /**
     * A {@code camel.*} setting Camel could not bind, as one line naming key and value (Camel's own exception
     * names the bean and stacks three causes deep), or null when {@code e} is something else.
     */
    public static SettingException fromCamel(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.camel.PropertyBindingException p) {
                String prefix = p.getOptionPrefix() == null ? "" : p.getOptionPrefix();
                String name = p.getOptionKey() != null ? p.getOptionKey() : p.getPropertyName();
                // Camel reports shutdownTimeout; the file and docs/settings.md say shutdown-timeout
                String key = (prefix.isEmpty() || prefix.endsWith(".") ? prefix : prefix + ".")
                        + name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
                Throwable root = p;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                return new SettingException("Setting " + key + " (env " + Settings.envName(key) + ") = '"
                        + p.getValue() + "' cannot be read by Camel (" + (root == p ? "no such option" : root.getMessage())
                        + "); accepted: see its row in docs/settings.md");
            }
        }
        return null;
    }
}

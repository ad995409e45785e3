package dev.aigateway.requestlog;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.aigateway.chain.Secrets;

/**
 * gateway.request-log.redact: the regular expressions whose matches in a logged prompt or answer become
 * {@value #REDACTED}. Credentials are masked on top of them whatever the setting says (chain.Secrets).
 */
public final class Redactor {
    public static final String REDACTED = "[REDACTED]";

    private final List<Pattern> patterns;

    private Redactor(List<Pattern> patterns) {
        this.patterns = patterns;
    }

    /**
     * Comma-separated regular expressions; a comma inside {@code {m,n}}, {@code [...]} or {@code (...)} or escaped
     * ({@code \,}) belongs to its pattern. @throws IllegalArgumentException naming the pattern that does not compile
     */
    public static Redactor of(String setting) {
        List<Pattern> patterns = new ArrayList<>();
        for (String p : split(setting == null ? "" : setting)) {
            try {
                patterns.add(Pattern.compile(p));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("'" + p + "' is not a regular expression (" + e.getDescription() + ")");
            }
        }
        return new Redactor(List.copyOf(patterns));
    }

    static List<String> split(String setting) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (int i = 0; i < setting.length(); i++) {
            char c = setting.charAt(i);
            if (c == '\\' && i + 1 < setting.length()) {
                current.append(c).append(setting.charAt(++i));
                continue;
            }
            if (c == '{' || c == '[' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
            } else if (c == ',' && depth == 0) {
                add(out, current);
                continue;
            }
            current.append(c);
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder current) {
        String p = current.toString().trim();
        if (!p.isEmpty()) {
            out.add(p);
        }
        current.setLength(0);
    }

    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (Pattern p : patterns) {
            out = p.matcher(out).replaceAll(REDACTED);
        }
        return Secrets.mask(out);
    }

    /** A copy of {@code node} with every string value redacted (names are kept). */
    public JsonNode redact(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isTextual()) {
            return TextNode.valueOf(redact(node.asText()));
        }
        if (node instanceof ObjectNode o) {
            ObjectNode copy = o.objectNode();
            o.properties().forEach(e -> copy.set(e.getKey(), redact(e.getValue())));
            return copy;
        }
        if (node instanceof ArrayNode a) {
            ArrayNode copy = a.arrayNode();
            a.forEach(n -> copy.add(redact(n)));
            return copy;
        }
        return node.deepCopy();
    }
}

package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * README.md is a landing page a newcomer reads to the end, and README + docs/ make no claim the gateway does not
 * back: every link resolves, every setting they name exists, every endpoint of the gateway's own namespaces
 * they name is served.
 */
class DocsTest {

    /** Issue 15: "README as a landing page (≤ 15 KB)". */
    static final long README_MAX_BYTES = 15 * 1024;

    /**
     * Names that look like settings but are not: fields of the reply's {@code gateway} object, written as the
     * path a client reads ({@code gateway.attempts}).
     */
    static final Set<String> NOT_SETTINGS = Set.of("gateway.attempts", "gateway.parts", "gateway.mid_stream_failover");

    /**
     * Paths of the gateway's namespaces the docs name on purpose although nothing serves them: each is
     * documented as answered 404.
     */
    static final Map<String, String> UNSERVED_ON_PURPOSE = Map.of(
            "/v1/images/generations", "docs/api.md, Errors: the example of a path that is not served (404 not_found)",
            "/v1/responses/{id}", "docs/responses.md: responses are not stored, so it is a 404");

    /** The gateway's own path namespaces: a path in them that the docs name must be one it serves. */
    static final Pattern OWN_PATH = Pattern.compile(
            "(?:^|[\\s(]|localhost(?::\\d+)?|127\\.0\\.0\\.1(?::\\d+)?|[a-z]+:\\d+)(/(?:v1|admin|observe)(?:/[A-Za-z0-9_.{}<>:-]+)+)");

    @Test
    void readmeIsALandingPage() throws IOException {
        long size = Files.size(Docs.README);
        assertTrue(size <= README_MAX_BYTES, "README.md is " + size + " bytes; a landing page stays within "
                + README_MAX_BYTES + ": move reference material to docs/");
        String readme = Docs.read(Docs.README);
        for (String link : List.of("docs/settings.md", "docs/kafka.md", "docs/keys.md", "docs/operations.md",
                "docs/benchmarks.md", "docs/streaming.md")) {
            assertTrue(readme.contains("](" + link), "README.md does not point at " + link);
        }
    }

    @Test
    void noStaleStatements() {
        for (Path file : Docs.files()) {
            // gateway keys exist (docs/keys.md)
            assertFalse(Docs.read(file).contains("no client authentication"), file + " says there is no client authentication");
        }
    }

    @Test
    void everyRelativeLinkAndAnchorResolves() {
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path file : Docs.files()) {
            String text = Docs.read(file);
            for (String target : Docs.links(text)) {
                if (target.matches("(?i)(https?|mailto):.*")) {
                    continue;
                }
                checked++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = path.isEmpty() ? file : file.toAbsolutePath().getParent().resolve(path).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(file + ": " + target + " (no file " + resolved + ")");
                } else if (anchor != null) {
                    if (!resolved.toString().endsWith(".md")) {
                        broken.add(file + ": " + target + " (an anchor into a file that is not Markdown)");
                    } else if (!Docs.anchors(Docs.read(resolved)).contains(anchor)) {
                        broken.add(file + ": " + target + " (no heading #" + anchor + " in " + resolved.getFileName() + ")");
                    }
                }
            }
        }
        assertTrue(checked > 50, "links checked: " + checked);
        assertTrue(broken.isEmpty(), "broken links:\n" + String.join("\n", broken));
    }

    @Test
    void everySettingNamedExists() {
        Properties config = Docs.settings();
        String sources = Docs.mainSources();
        Pattern setting = Pattern.compile("^(?:" + String.join("|", Docs.settingPrefixes(config))
                + ")\\.[a-z0-9.<>*_-]*[a-z0-9>*]");
        List<String> unknown = new ArrayList<>();
        int checked = 0;
        for (Path file : Docs.files()) {
            for (String code : Docs.inlineCode(Docs.read(file))) {
                Matcher m = setting.matcher(code);
                if (!m.find() || m.group().matches(".*\\.(ya?ml|json|java|md|sh|properties|conf)")
                        || NOT_SETTINGS.contains(m.group())) {
                    continue;
                }
                checked++;
                if (!Docs.isSetting(m.group(), config, sources)) {
                    unknown.add(file + ": `" + code + "` names " + m.group());
                }
            }
        }
        assertTrue(checked > 300, "setting names checked: " + checked);
        assertTrue(unknown.isEmpty(), "settings named in the docs that config/application.properties does not have:\n"
                + String.join("\n", unknown));
    }

    @Test
    void everyEndpointNamedIsServed() throws IOException {
        List<Pattern> served = servedPaths(Docs.settings());
        List<String> unserved = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (Path file : Docs.files()) {
            for (String code : Docs.inlineCode(Docs.read(file))) {
                Matcher m = OWN_PATH.matcher(code);
                while (m.find()) {
                    String path = m.group(1).replaceAll("[.:]+$", "");
                    seen.add(path);
                    if (!UNSERVED_ON_PURPOSE.containsKey(path) && served.stream().noneMatch(p -> p.matcher(path).matches())) {
                        unserved.add(file + ": `" + code + "` names " + path);
                    }
                }
            }
        }
        assertTrue(seen.containsAll(List.of("/v1/chat/completions", "/v1/embeddings", "/admin/providers", "/observe/metrics")),
                "paths read: " + seen);
        assertTrue(unserved.isEmpty(), "endpoints named in the docs that the gateway does not serve:\n" + String.join("\n", unserved));
        for (String path : UNSERVED_ON_PURPOSE.keySet()) {
            // an exception stays one only while nothing serves it (else it is no longer documented as a 404)
            assertTrue(served.stream().noneMatch(p -> p.matcher(path).matches()), path + " is served now");
        }
    }

    /**
     * What the gateway serves: every {@code platform-http:} path of routes/*.yaml ({@code {id}} matching one
     * segment), and Camel's management server under {@code camel.management.path} (metrics, health).
     */
    static List<Pattern> servedPaths(Properties config) throws IOException {
        List<Pattern> out = new ArrayList<>();
        Pattern uri = Pattern.compile("platform-http:(/[^\\s?\"']*)");
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path route : routes.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                for (String line : Files.readAllLines(route)) {
                    Matcher m = uri.matcher(line);
                    if (!line.strip().startsWith("#") && m.find()) {
                        out.add(template(m.group(1)));
                    }
                }
            }
        }
        String base = config.getProperty("camel.management.path", "/observe").trim();
        if (Boolean.parseBoolean(config.getProperty("camel.management.metrics-enabled", "false").trim())) {
            out.add(Pattern.compile(Pattern.quote(base + "/metrics")));
        }
        if (Boolean.parseBoolean(config.getProperty("camel.management.health-check-enabled", "false").trim())) {
            out.add(Pattern.compile(Pattern.quote(base + "/health") + "(/live|/ready)?"));
        }
        return out;
    }

    private static Pattern template(String path) {
        StringBuilder re = new StringBuilder();
        for (String segment : path.substring(1).split("/")) {
            re.append('/').append(segment.matches("\\{[^}]+\\}") ? "[^/]+" : Pattern.quote(segment));
        }
        return Pattern.compile(re.toString());
    }
}

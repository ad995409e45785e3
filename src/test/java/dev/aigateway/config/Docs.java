package dev.aigateway.config;

import java.io.FileReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The user documentation as the tests read it: README.md and docs/*.md, their headings (GitHub's anchors),
 * links and inline code, and which setting names exist (config/application.properties, plus the per-provider
 * keys the code reads).
 */
final class Docs {

    static final Path README = Path.of("README.md");
    static final Path DIR = Path.of("docs");

    private Docs() {
    }

    /** README.md and every docs/*.md, in a stable order. */
    static List<Path> files() {
        List<Path> all = new ArrayList<>(List.of(README));
        try (Stream<Path> s = Files.list(DIR)) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(all::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file's lines outside fenced code blocks (a {@code # run:} inside a bash block is no heading). */
    static List<String> prose(String markdown) {
        List<String> out = new ArrayList<>();
        boolean fence = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fence = !fence;
                continue;
            }
            if (!fence) {
                out.add(line);
            }
        }
        return out;
    }

    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern MD_LINK = Pattern.compile("!?\\[([^\\]]*)\\]\\([^)]*\\)");

    /** The anchors GitHub gives the file's headings: {@code #some-heading}, then {@code -1}, {@code -2} for repeats. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(markdown)) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                String slug = slug(m.group(1));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                out.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return out;
    }

    /**
     * GitHub's heading anchor: the heading's text (markup removed), lower case, every character other than a
     * letter, digit, space, '-' or '_' dropped, spaces turned into '-'.
     */
    static String slug(String heading) {
        String text = MD_LINK.matcher(heading).replaceAll("$1").replaceAll("<[^>]+>", "").replace("`", "")
                .replace("*", "");
        return text.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "").replace(' ', '-');
    }

    private static final Pattern LINK = Pattern.compile("(?<!!)\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

    /** The targets of the file's Markdown links (outside code), as written. */
    static List<String> links(String markdown) {
        List<String> out = new ArrayList<>();
        for (String line : prose(markdown)) {
            Matcher m = LINK.matcher(withoutInlineCode(line));
            while (m.find()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    private static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1");

    /** The text of every inline code span outside fenced blocks. */
    static List<String> inlineCode(String markdown) {
        List<String> out = new ArrayList<>();
        // a span may wrap onto the next line: read paragraphs, not lines
        for (String paragraph : String.join("\n", prose(markdown)).split("\n\\s*\n")) {
            Matcher m = INLINE_CODE.matcher(paragraph);
            while (m.find()) {
                out.add(m.group(2).replace('\n', ' ').strip());
            }
        }
        return out;
    }

    private static String withoutInlineCode(String line) {
        return INLINE_CODE.matcher(line).replaceAll("");
    }

    static Properties settings() {
        Properties config = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            config.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return config;
    }

    /** The first segments of the shipped settings ({@code gateway}, {@code provider}, {@code camel}, …). */
    static Set<String> settingPrefixes(Properties config) {
        Set<String> out = new TreeSet<>();
        for (String key : config.stringPropertyNames()) {
            out.add(key.substring(0, key.indexOf('.')));
        }
        return out;
    }

    /** Per-deployment keys that exist only per deployment (docs/routing.md, Deployments and tiers). */
    private static final Set<String> DEPLOYMENT_ONLY = Set.of("weight", "region");
    private static final Pattern DEPLOYMENT = Pattern.compile("provider\\.([^.]+)\\.deployment\\.([^.]+)\\.(.+)");
    private static final Pattern PER_PROVIDER = Pattern.compile("provider\\.<[a-z]+>\\.([a-z0-9.<>*-]+)");
    private static final Pattern CONCRETE_PROVIDER = Pattern.compile("provider\\.([^.]+)\\.(.+)");

    /**
     * Whether a setting name a document mentions exists: a key of the properties file, where {@code <name>},
     * {@code <p>}, {@code <d>} stand for one segment and {@code <key>} / {@code *} for any rest; a deployment's
     * {@code provider.<p>.deployment.<d>.<key>} when {@code provider.<p>.<key>} exists; or an optional
     * per-provider key ({@code provider.<name>.oauth2.token-url}) that the gateway's code reads by that name.
     */
    static boolean isSetting(String name, Properties config, String mainSources) {
        Pattern p = Pattern.compile(wildcards(name));
        for (String key : config.stringPropertyNames()) {
            if (p.matcher(key).matches()) {
                return true;
            }
        }
        Matcher d = DEPLOYMENT.matcher(name);
        if (d.matches()) {
            return DEPLOYMENT_ONLY.contains(d.group(3)) || isSetting("provider." + d.group(1) + "." + d.group(3), config, mainSources)
                    || isSetting("provider.<name>." + d.group(3), config, mainSources);
        }
        Matcher concrete = CONCRETE_PROVIDER.matcher(name);
        if (concrete.matches() && !concrete.group(1).startsWith("<")
                && config.stringPropertyNames().stream().anyMatch(k -> k.startsWith("provider." + concrete.group(1) + "."))) {
            // a configured provider's override of a per-provider key: provider.openai.fallback-on
            return isSetting("provider.<name>." + concrete.group(2), config, mainSources);
        }
        Matcher optional = PER_PROVIDER.matcher(name);
        if (optional.matches()) {
            String suffix = optional.group(1);
            if (suffix.startsWith("breaker.")) { // provider.<name>.breaker.<key> overrides breaker.<key>
                return isSetting(suffix, config, mainSources);
            }
            // an optional key the code reads by its name (or the name's last segments): "client-id", ".oauth2.token-url"
            for (String tail = suffix; ; tail = tail.substring(tail.indexOf('.') + 1)) {
                if (Pattern.compile("[\".]" + Pattern.quote(tail) + "\"").matcher(mainSources).find()) {
                    return true;
                }
                if (!tail.contains(".")) {
                    return false;
                }
            }
        }
        return false;
    }

    private static String wildcards(String name) {
        StringBuilder re = new StringBuilder();
        Matcher m = Pattern.compile("<key>|<[a-z]+>|\\*").matcher(name);
        int last = 0;
        while (m.find()) {
            re.append(Pattern.quote(name.substring(last, m.start())));
            re.append(m.group().equals("<key>") || m.group().equals("*") ? ".+" : "[a-z0-9-]+");
            last = m.end();
        }
        return re.append(Pattern.quote(name.substring(last))).toString();
    }

    /** The gateway's Java sources in one string, to tell which optional keys it reads. */
    static String mainSources() {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
            s.filter(p -> p.toString().endsWith(".java")).forEach(p -> all.append(read(p)).append('\n'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all.toString();
    }
}

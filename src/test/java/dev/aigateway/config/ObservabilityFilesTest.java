package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import dev.aigateway.api.Json;

/** The Prometheus config scrapes what the gateway serves, and the dashboard only plots metrics that exist. */
class ObservabilityFilesTest {
    static final Path DIR = Path.of("config/observability");

    @Test
    @SuppressWarnings("unchecked")
    void prometheusScrapesTheManagementPort() throws Exception {
        Properties config = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            config.load(r);
        }
        Map<String, Object> prom = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(DIR.resolve("prometheus.yml")));
        Map<String, Object> job = ((List<Map<String, Object>>) prom.get("scrape_configs")).get(0);
        assertEquals("/observe/metrics", job.get("metrics_path"));
        String target = ((List<String>) ((List<Map<String, Object>>) job.get("static_configs")).get(0).get("targets")).get(0);
        assertEquals("gateway:" + config.getProperty("camel.management.port").trim(), target);
    }

    @Test
    void dashboardPlotsOnlyDocumentedMetrics() throws Exception {
        JsonNode dashboard = Json.MAPPER.readTree(DIR.resolve("grafana/dashboards/ai-failover-gateway.json").toFile());
        String reference = Files.readString(Path.of("docs/operations.md")); // its Metrics and status table
        TreeSet<String> used = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = Pattern.compile("(gateway_[a-z_]+|resilience4j_[a-z_]+)").matcher(target.path("expr").asText());
                while (m.find()) {
                    used.add(m.group(1).replaceAll("_(bucket|count|sum)$", ""));
                }
            }
        }
        assertFalse(used.isEmpty());
        for (String metric : used) {
            assertTrue(reference.contains("`" + metric + "`"), "dashboard uses " + metric + ", which docs/operations.md does not list");
        }
        assertTrue(dashboard.path("panels").size() >= 8);
    }
}

package dev.aigateway.requestlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** With gateway.kafka.enabled=false each instance keeps its own records: /admin/requests still answers. */
class RequestLogWithoutKafkaTest {
    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of());

    @Test
    void recordsGoToThisInstancesWindow() {
        String id = "local-" + UUID.randomUUID();
        assertEquals(200, gw.chat("{\"model\":\"gpt-4.1\",\"request_id\":\"" + id
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> gw.admin("/admin/requests/" + id).statusCode() == 200);
        JsonNode rec = TestGateway.json(gw.admin("/admin/requests/" + id));
        assertEquals("openai", rec.path("provider").asText());
        assertEquals("http", rec.path("ingress").asText());
        assertEquals(1, rec.path("attempts").size());
        JsonNode usage = TestGateway.json(gw.admin("/admin/usage?minutes=5"));
        assertEquals(5, usage.path("series").size());
        long requests = 0;
        for (JsonNode b : usage.path("series")) {
            requests += b.path("by_provider").path("openai").path("requests").asLong();
        }
        assertEquals(1, requests);
        assertEquals(400, gw.admin("/admin/usage?minutes=61").statusCode(), "beyond gateway.request-log.window");
    }

    @Test
    void aRedactPatternThatDoesNotCompileStopsStartUpNamingIt() {
        IllegalStateException failed = assertThrows(IllegalStateException.class,
                () -> TestGateway.start(Map.of("gateway.request-log.redact", "sk-[A-Za-z0-9]{8,}, (unclosed")));
        Throwable t = failed;
        while (t != null && !(t instanceof dev.aigateway.config.SettingException)) {
            t = t.getCause();
        }
        assertTrue(t != null && t.getMessage().contains("gateway.request-log.redact") && t.getMessage().contains("'(unclosed'"),
                String.valueOf(t));
    }
}

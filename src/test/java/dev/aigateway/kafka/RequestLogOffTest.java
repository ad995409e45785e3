package dev.aigateway.kafka;

import static dev.aigateway.kafka.KafkaTestSupport.withIdPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** gateway.request-log.enabled=false writes nothing; replay without an admin key configured is refused (fail closed). */
class RequestLogOffTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.request-log.enabled", "false",
            "gateway.auth.admin-key-env", "AIGW_TEST_NO_SUCH_ADMIN_KEY"))
            // the topic exists (an earlier run, another instance): nothing may be written to it
            .beforeStart(k -> k.createTopic("ai.request-log", 1, Map.of()));

    @Test
    void nothingIsWrittenAndReplayNeedsAnAdminKey() {
        assertEquals(200, env.gw.chat(TestGateway.request("not logged")).statusCode());
        String id = "off-" + UUID.randomUUID();
        env.kafka.send("ai.requests", "k", "{\"prompt\":\"not logged\",\"request_id\":\"" + id + "\"}");
        assertEquals(1, withIdPrefix(env.kafka.readUntil("ai.responses", Duration.ofSeconds(20),
                all -> !withIdPrefix(all, id).isEmpty()), id).size());
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> env.kafka.readAll("ai.request-log").isEmpty());
        assertEquals(0, TestGateway.json(RequestLogTest.admin(env, "GET", "/admin/requests", null)).path("data").size());

        HttpResponse<String> replay = RequestLogTest.admin(env, "POST", "/admin/replay", "{\"request_id\":\"" + id + "\"}",
                "Authorization", "Bearer anything");
        assertEquals(403, replay.statusCode(), replay.body());
        assertTrue(replay.body().contains("AIGW_TEST_NO_SUCH_ADMIN_KEY"), replay.body());
        assertEquals("admin_disabled", TestGateway.json(replay).at("/error/code").asText());
    }
}

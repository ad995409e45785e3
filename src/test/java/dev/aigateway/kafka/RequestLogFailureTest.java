package dev.aigateway.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;

/** A request-log record the broker will not take never fails a request: it is counted and logged once. */
class RequestLogFailureTest {
    @RegisterExtension
    static final KafkaGateway env = KafkaGateway.perClass(Map.of("gateway.request-log.topic", "no/such topic"));

    @Test
    void aRecordTheBrokerRefusesIsCountedAndLoggedOnceWhileRequestsAreServed() {
        try (AuditLog log = new AuditLog("dev.aigateway.requestlog.RequestLog")) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = env.gw.chat(TestGateway.request("still served " + i));
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(r.body().contains("still served " + i));
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> failures() == 3);
            assertEquals(1, log.lines("request-log record was not written").size(), "one line, not one per record");
        }
    }

    private static double failures() {
        Matcher m = Pattern.compile("(?m)^gateway_request_log_failures_total(?:\\{[^}]*\\})? ([0-9.]+)")
                .matcher(env.gw.management("/observe/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }
}

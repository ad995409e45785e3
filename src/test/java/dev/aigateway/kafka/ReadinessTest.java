package dev.aigateway.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;

/** Readiness follows Kafka: losing the broker makes the gateway unready, while HTTP keeps answering. */
class ReadinessTest {

    @Test
    void losingTheBrokerMakesTheGatewayUnreadyButHttpKeepsServing() throws Exception {
        KafkaTestSupport kafka = new KafkaTestSupport();
        try (TestGateway gw = TestGateway.start(kafka.gatewaySettings())) {
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.management("/observe/health").statusCode() == 200);
            kafka.close();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> gw.management("/observe/health").statusCode() != 200);
            System.out.println("health after broker loss: " + gw.management("/observe/health").body());
            assertEquals(200, gw.chat(TestGateway.request("still here")).statusCode(), "HTTP keeps serving");
        }
    }
}

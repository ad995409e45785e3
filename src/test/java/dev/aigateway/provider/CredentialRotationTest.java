package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.aigateway.TestGateway;
import dev.aigateway.simulator.Faults;

/**
 * A provider key rotated while calls are out: the provider answers 401 to the old key, the gateway re-reads
 * the key file once and calls the same provider again; an unchanged key falls back instead.
 */
class CredentialRotationTest {
    static final Path KEY = keyFile();

    @RegisterExtension
    static final TestGateway gw = TestGateway.perClass(Map.of("provider.openai.api-key-file", KEY.toString()));

    static Path keyFile() {
        try {
            Path p = Files.createTempFile("openai", ".key");
            Files.writeString(p, "key-old-FAKE");
            return p;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void a401AfterARotationIsRetriedOnceWithTheNewKey() throws Exception {
        Files.writeString(KEY, "key-old-FAKE");
        // the call is out for 2 s: the rotation below lands while it is out, however busy the machine (with 400 ms a
        // loaded CI run once wrote the new key only after the 401 had come back)
        gw.sim("openai").faults(Faults.none(2000));
        gw.sim("openai").requireCredential("Bearer key-new-FAKE"); // the provider already moved on
        CompletableFuture<HttpResponse<String>> pending = CompletableFuture.supplyAsync(() -> gw.chat(TestGateway.request("rotate")));
        Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                .until(() -> gw.sim("openai").calls() == 1);
        assertEquals("Bearer key-old-FAKE", gw.sim("openai").lastCredential());
        Files.writeString(KEY, "key-new-FAKE"); // the operator's rotation lands while the call is out

        HttpResponse<String> r = pending.get();
        assertEquals(200, r.statusCode(), r.body());
        JsonNode gateway = TestGateway.json(r).path("gateway");
        assertEquals("openai", gateway.path("provider").asText(), "the same provider, not a fallback");
        assertEquals("auth_retried", gateway.at("/attempts/0/outcome").asText());
        assertEquals("ok", gateway.at("/attempts/1/outcome").asText());
        assertEquals(2, gw.sim("openai").calls());
        assertEquals("Bearer key-new-FAKE", gw.sim("openai").lastCredential());
        assertEquals(0, gw.sim("anthropic").calls());

        assertEquals(200, gw.chat(TestGateway.request("next")).statusCode());
        assertEquals(3, gw.sim("openai").calls(), "the next request carries the new key at once");
    }

    @Test
    void a401WithAnUnchangedKeyFallsBack() throws Exception {
        Files.writeString(KEY, "key-old-FAKE");
        gw.sim("openai").requireCredential("Bearer some-other-key");
        HttpResponse<String> r = gw.chat(TestGateway.request("unchanged"));
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals("auth_error", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        assertEquals(1, gw.sim("openai").calls(), "no second call with the same key");
    }
}

package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.TestGateway;

/**
 * A Bedrock provider whose AWS default chain finds no credentials is left out like a provider without its key
 * (gateway.simulator.mode=auto, another provider has one): disabled at start-up, never called, never simulated.
 */
class BedrockCredentialsTest {
    @TempDir
    Path dir;

    @Test
    void noAwsCredentialsDisablesTheProvider() throws Exception {
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getenv("AWS_PROFILE") == null
                && System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") == null
                && System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null
                && !Files.exists(Path.of(System.getProperty("user.home"), ".aws")), "this machine has AWS credentials");
        // no instance-metadata lookup: the chain's last link would leave loopback
        System.setProperty("aws.disableEc2Metadata", "true");
        Path key = Files.writeString(dir.resolve("openai.key"), "sk-test");
        try (TestGateway gw = TestGateway.start(Map.of("gateway.simulator.mode", "auto",
                "gateway.providers", "openai,anthropic,bedrock", "provider.openai.api-key-file", key.toString(),
                "provider.anthropic.api-key-file", key.toString()))) {
            JsonNode admin = TestGateway.json(gw.admin("/admin/providers"));
            JsonNode bedrock = null;
            for (JsonNode p : admin.path("providers")) {
                if ("bedrock".equals(p.path("provider").asText())) {
                    bedrock = p;
                }
            }
            assertEquals("disabled: no key", bedrock.path("status").asText(), admin.toString());
            assertEquals(0, gw.sim("bedrock").calls(), "never called, not even probed");
            assertEquals(0, gw.sim("bedrock").probes());
        } finally {
            System.clearProperty("aws.disableEc2Metadata");
        }
    }
}

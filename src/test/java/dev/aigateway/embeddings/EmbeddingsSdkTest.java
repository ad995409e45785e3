package dev.aigateway.embeddings;

import dev.aigateway.NodeScripts;
import java.util.Map;
import static org.junit.jupiter.api.Assertions.assertEquals;




import java.util.List;


import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * The official OpenAI Node SDK (src/test/node/embeddings.mjs) asks for embeddings while the primary provider is
 * down: float, base64 (the SDK's default, which it decodes itself) and base64 asked for explicitly, each the
 * backup's exact vectors.
 */
class EmbeddingsSdkTest {
    static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        NodeScripts.install("openai");
        gw = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void officialSdkGetsTheBackupsVectorsAsFloatAndBase64() throws Exception {
        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        NodeScripts.Result result = NodeScripts.run(List.of("node", "embeddings.mjs", "vectors please"), 60,
                Map.of("OPENAI_BASE_URL", "http://127.0.0.1:" + gw.port + "/v1"));
        String output = result.output();
        assertEquals(0, result.exit(), output);
        String[] lines = output.strip().split("\n");
        JsonNode r = Json.MAPPER.readTree(lines[lines.length - 1]);
        for (String call : new String[] { "sdk_default", "float", "base64" }) {
            JsonNode c = r.path(call);
            assertEquals("holysheep", c.path("provider").asText(), call);
            assertEquals("openai,holysheep", c.path("attempts").asText(), call);
            assertEquals("text-embedding-3-small", c.path("model").asText(), call);
            assertEquals(c.at("/usage/prompt_tokens").asLong(), c.at("/usage/total_tokens").asLong(), call);
        }
        assertVector(ProviderSimulator.simulatedVector("holysheep", "\"vectors please\"", 1536),
                r.at("/sdk_default/vectors/0"), "the SDK decoded the gateway's base64 itself");
        assertVector(ProviderSimulator.simulatedVector("holysheep", "\"second\"", 1536), r.at("/sdk_default/vectors/1"),
                "second input");
        assertVector(ProviderSimulator.simulatedVector("holysheep", "\"vectors please\"", 1536), r.at("/float/vectors/0"),
                "encoding_format float");
        assertEquals("string", r.at("/base64/encoded").asText(), "asked for base64, the SDK hands the string over");
        assertVector(ProviderSimulator.simulatedVector("holysheep", "\"vectors please\"", 256), r.at("/base64/vectors/0"),
                "encoding_format base64 with dimensions 256");
        assertEquals(3, gw.sim("openai").embeddingCalls(), "one failed call per request: the SDK's retries are off");
    }

    private static void assertVector(float[] expected, JsonNode actual, String what) {
        assertEquals(expected.length, actual.size(), what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i).floatValue(), what + " [" + i + "]");
        }
    }
}

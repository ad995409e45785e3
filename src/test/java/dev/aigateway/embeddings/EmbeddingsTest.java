package dev.aigateway.embeddings;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.TestGateway;
import dev.aigateway.chain.LiveChains;
import dev.aigateway.simulator.Faults;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * POST /v1/embeddings against real simulated upstreams: vectors from the chain's first provider that answers
 * with the right length, float or base64, with usage and cost; a chain mixing dimensions refused at reload while
 * the previous version serves; requests on the wrong endpoint refused before any provider call.
 */
class EmbeddingsTest {
    @TempDir
    static Path routes;
    static TestGateway gw;
    static String original;

    @BeforeAll
    static void start() throws IOException {
        try (var files = Files.list(Path.of("routes"))) {
            for (Path f : files.toList()) {
                Files.copy(f, routes.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        original = Files.readString(routes.resolve("chain-embeddings.yaml"));
        gw = TestGateway.start(Map.of(
                "camel.main.routes-include-pattern", "file:" + routes.toAbsolutePath() + "/*.yaml",
                "camel.main.routes-reload-enabled", "true",
                "camel.main.routes-reload-directory", routes.toAbsolutePath().toString()));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @BeforeEach
    void reset() {
        gw.reset();
        gw.sim("openai").embeddingDimensions(1536);
        gw.sim("holysheep").embeddingDimensions(1536);
        gw.sim("gemini").embeddingDimensions(3072);
    }

    @Test
    void floatVectorsComeFromTheBackupWhenThePrimaryIsDown() throws Exception {
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        HttpResponse<String> r = embed("{\"model\":\"text-embedding-3-small\",\"input\":[\"first\",\"second\"]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("holysheep", r.headers().firstValue("x-gateway-provider").orElse(null));
        assertEquals("openai,holysheep", r.headers().firstValue("x-gateway-attempts").orElse(null));
        assertEquals("holysheep", body.at("/gateway/provider").asText());
        assertEquals("embeddings", body.at("/gateway/chain").asText());
        assertEquals("list", body.path("object").asText());
        assertEquals(2, body.path("data").size());
        for (int i = 0; i < 2; i++) {
            JsonNode item = body.path("data").get(i);
            assertEquals(i, item.path("index").asInt());
            assertEquals("embedding", item.path("object").asText());
            assertArrayEquals(ProviderSimulator.simulatedVector("holysheep", i == 0 ? "\"first\"" : "\"second\"", 1536),
                    floats(item.path("embedding")), "holysheep's vector for input " + i);
        }
        long tokens = gw.sim("holysheep").lastUsage().prompt();
        assertEquals(tokens, body.at("/usage/prompt_tokens").asLong());
        assertEquals(tokens, body.at("/usage/total_tokens").asLong());
        assertEquals(tokens * 0.02 / 1_000_000, body.at("/gateway/cost_usd").asDouble(), 1e-15);
        JsonNode sent = gw.sim("holysheep").lastRequest();
        assertEquals("text-embedding-3-small", sent.path("model").asText(), "the provider's embedding-model");
        assertEquals("float", sent.path("encoding_format").asText());
        assertEquals(1, gw.sim("openai").embeddingCalls());
        String metrics = gw.management("/observe/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("gateway_requests_total") && l.contains("chain=\"embeddings\"")
                && l.contains("outcome=\"ok\"")), "gateway_requests_total carries the embeddings chain");
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("gateway_cost_usd_total") && l.contains("model=\"text-embedding-3-small\"")
                && l.contains("provider=\"holysheep\"")), "spend is counted under the embedding model");
    }

    @Test
    void base64VectorsAreLittleEndianFloat32OfTheRequestedDimensions() throws Exception {
        gw.sim("openai").faults(Faults.of("drop")); // the connection closes without an answer
        HttpResponse<String> r = embed("{\"model\":\"embeddings\",\"input\":\"hello\",\"dimensions\":256,"
                + "\"encoding_format\":\"base64\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("holysheep", r.headers().firstValue("x-gateway-provider").orElse(null));
        JsonNode item = TestGateway.json(r).path("data").get(0);
        assertTrue(item.path("embedding").isTextual(), item.toString());
        byte[] bytes = Base64.getDecoder().decode(item.path("embedding").asText());
        float[] v = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        String provider = r.headers().firstValue("x-gateway-provider").orElseThrow();
        assertArrayEquals(ProviderSimulator.simulatedVector(provider, "\"hello\"", 256), v);
        assertEquals(256, gw.sim(provider).lastRequest().path("dimensions").asInt(), "dimensions passed through");
    }

    @Test
    void aVectorOfTheWrongLengthIsAProviderFailureNeverServed() {
        gw.sim("openai").embeddingDimensions(768); // a provider misconfigured with another model
        HttpResponse<String> r = embed("{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("holysheep", body.at("/gateway/provider").asText());
        assertEquals(1536, body.at("/data/0/embedding").size());
        assertEquals("wrong_dimensions", body.at("/gateway/attempts/0/outcome").asText(), body.toString());
        assertTrue(body.at("/gateway/attempts/0/error").asText().contains("768 dimensions"), body.toString());

        // the request's own dimensions are the contract too
        gw.sim("openai").embeddingDimensions(1536);
        gw.sim("holysheep").faults(Faults.of("error").withStatus(500));
        HttpResponse<String> all = embed("{\"model\":\"text-embedding-3-small\",\"input\":\"x\",\"dimensions\":64}");
        assertEquals(200, all.statusCode(), all.body());
        assertEquals(64, TestGateway.json(all).at("/data/0/embedding").size());
    }

    @Test
    void requestsOnTheWrongEndpointOrMalformedAreRefusedBeforeAnyCall() {
        assertError(gw.chat("{\"model\":\"text-embedding-3-small\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                "wrong_endpoint", "model");
        assertError(embed("{\"model\":\"gpt-4.1\",\"input\":\"hi\"}"), "wrong_endpoint", "model");
        assertError(embed("{\"model\":\"embeddings\",\"input\":\"hi\"}", "x-gateway-chain", "default"), "wrong_endpoint",
                "x-gateway-chain");
        assertError(gw.chat(TestGateway.request("hi"), "x-gateway-chain", "embeddings"), "wrong_endpoint", "x-gateway-chain");
        assertError(embed("{\"input\":\"hi\"}"), "missing_required_parameter", "model");
        assertError(embed("{\"model\":\"embeddings\"}"), "missing_required_parameter", "input");
        assertError(embed("{\"model\":\"embeddings\",\"input\":[]}"), "invalid_request", "input");
        assertError(embed("{\"model\":\"embeddings\",\"input\":[\"a\",3]}"), "invalid_request", "input");
        assertError(embed("{\"model\":\"embeddings\",\"input\":\"a\",\"dimensions\":0}"), "invalid_request", "dimensions");
        assertError(embed("{\"model\":\"embeddings\",\"input\":\"a\",\"encoding_format\":\"hex\"}"), "invalid_request",
                "encoding_format");
        assertError(embed("{\"model\":\"embeddings\",\"input\":\"a\",\"temperature\":1}"), "unsupported_parameter",
                "temperature");
        HttpResponse<String> unknown = embed("{\"model\":\"nope\",\"input\":\"a\"}");
        assertError(unknown, "model_not_found", "model");
        assertEquals("The model 'nope' does not exist on this gateway; valid embeddings models: embeddings, "
                + "gemini-embedding-001, text-embedding-3-small", TestGateway.json(unknown).at("/error/message").asText());
        for (String p : new String[] { "openai", "holysheep", "anthropic", "deepseek", "gemini" }) {
            assertEquals(0, gw.sim(p).calls(), p + " was not called");
        }
    }

    @Test
    void anAnswerWithoutUsageIsEstimatedAndOneWithTooFewVectorsFallsBack() {
        com.fasterxml.jackson.databind.node.ObjectNode answer = dev.aigateway.api.Json.object().put("object", "list");
        com.fasterxml.jackson.databind.node.ArrayNode vector = answer.putArray("data").addObject().put("index", 0)
                .putArray("embedding");
        for (int i = 0; i < 1536; i++) {
            vector.add(0.5f);
        }
        gw.sim("openai").reply(200, answer); // one vector, no usage, no model
        HttpResponse<String> r = embed("{\"model\":\"embeddings\",\"input\":\"abcdefgh\",\"dimensions\":null}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = TestGateway.json(r);
        assertEquals("openai", body.at("/gateway/provider").asText());
        assertEquals(2, body.at("/usage/prompt_tokens").asLong(), "8 characters, estimated at 4 a token");
        assertEquals("text-embedding-3-small", body.path("model").asText(), "the configured model when the answer names none");
        assertTrue(!gw.sim("openai").lastRequest().has("dimensions"), "a null dimensions is not sent on");

        HttpResponse<String> two = embed("{\"model\":\"embeddings\",\"input\":[\"a\",\"b\"]}");
        assertEquals(200, two.statusCode(), two.body());
        JsonNode fellBack = TestGateway.json(two);
        assertEquals("holysheep", fellBack.at("/gateway/provider").asText());
        assertEquals("bad_response", fellBack.at("/gateway/attempts/0/outcome").asText());
        assertTrue(fellBack.at("/gateway/attempts/0/error").asText().contains("answered 1 vectors for 2 inputs"),
                fellBack.toString());
    }

    @Test
    void aProvidersCooldownAndBreakerAreSharedWithChat() {
        gw.sim("openai").faults(Faults.of("rate-limit").withRetryAfter(30));
        HttpResponse<String> r = embed("{\"model\":\"embeddings\",\"input\":\"x\"}");
        assertEquals("holysheep", r.headers().firstValue("x-gateway-provider").orElse(null), r.body());
        gw.sim("openai").faults(Faults.none(0));
        // the 429 with Retry-After cooled openai down for chat too: one state per deployment
        HttpResponse<String> chat = gw.chat(TestGateway.request("after the 429"));
        assertEquals("cooling_down", TestGateway.json(chat).at("/gateway/attempts/0/outcome").asText(), chat.body());
        assertEquals(1, gw.sim("openai").calls(), "only the embeddings call reached openai");

        gw.reset();
        gw.sim("openai").faults(Faults.of("error").withStatus(500));
        for (int i = 0; i < 4; i++) {
            embed("{\"model\":\"embeddings\",\"input\":\"x\"}");
        }
        assertEquals(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN, gw.breaker("openai").getState(),
                "embeddings failures open the provider's one breaker");
        assertEquals("breaker_open", TestGateway.json(gw.chat(TestGateway.request("open"))).at("/gateway/attempts/0/outcome")
                .asText());
    }

    @Test
    void tokenArraysAreAccepted() {
        HttpResponse<String> r = embed("{\"model\":\"embeddings\",\"input\":[[1,2,3],[4,5]],\"user\":\"u1\"}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(2, TestGateway.json(r).path("data").size());
        assertEquals("[[1,2,3],[4,5]]", gw.sim("openai").lastRequest().path("input").toString());
        assertEquals("u1", gw.sim("openai").lastRequest().path("user").asText());
    }

    @Test
    void modelsListEndpointsAndContextWindows() {
        JsonNode models = TestGateway.json(gw.get("/v1/models")).path("data");
        JsonNode embedding = byId(models, "text-embedding-3-small");
        assertEquals("[\"embeddings\"]", embedding.path("endpoints").toString());
        assertTrue(embedding.path("context_window").isNull(), embedding.toString());
        assertEquals("embeddings", embedding.path("chain").asText());
        JsonNode gpt = byId(models, "gpt-4.1");
        assertEquals("[\"chat.completions\",\"messages\",\"responses\"]", gpt.path("endpoints").toString());
        // chain default: openai (1047576), anthropic (200000), deepseek (128000): the smallest
        assertEquals(128000, gpt.path("context_window").asLong(), gpt.toString());
        assertEquals("[\"embeddings\"]", byId(models, "gemini-embedding-001").path("endpoints").toString());
        assertEquals("[\"chat.completions\",\"messages\",\"responses\"]", byId(models, "auto").path("endpoints").toString());
    }

    @Test
    void aChainMixingDimensionsIsRefusedAtReloadAndThePreviousVersionKeepsServing() throws Exception {
        try {
            mixedDimensionsRefused();
        } finally {
            // whatever happened, the other tests get the shipped chain back
            writeChain(original);
            await().atMost(Duration.ofSeconds(4)).until(() -> "openai".equals(embed("{\"model\":\"embeddings\",\"input\":\"z\"}")
                    .headers().firstValue("x-gateway-provider").orElse(null)));
        }
    }

    private void mixedDimensionsRefused() throws Exception {
        LiveChains chains = gw.context().getRegistry().lookupByNameAndType("chains", LiveChains.class);
        String live = chains.endpoint("embeddings");
        List<String> errors = new CopyOnWriteArrayList<>();
        AbstractAppender capture = new AbstractAppender("capture-embeddings", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLevel() == Level.ERROR && event.getMessage().getFormattedMessage().contains("chain-embeddings.yaml")) {
                    errors.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        capture.start();
        LoggerContext logs = (LoggerContext) LogManager.getContext(false);
        logs.getConfiguration().getRootLogger().addAppender(capture, Level.ERROR, null);
        logs.updateLoggers();
        try {
            // gemini first: 3072 dimensions before openai's 1536
            writeChain(original.replace("- to: tier:openai", "- to: tier:gemini\n          - to: tier:openai"));
            await().atMost(Duration.ofSeconds(4)).until(() -> !errors.isEmpty());
            await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(100))
                    .until(() -> "openai".equals(embed("{\"model\":\"embeddings\",\"input\":\"still\"}").headers()
                            .firstValue("x-gateway-provider").orElse(null)));
        } finally {
            logs.getConfiguration().getRootLogger().removeAppender("capture-embeddings");
            logs.updateLoggers();
        }
        assertEquals(live, chains.endpoint("embeddings"), "the previous version keeps serving");
        assertEquals(0, gw.sim("gemini").calls(), "never a vector from the other space");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("Chain embeddings from file:") && errors.get(0).contains("was REFUSED"), errors.get(0));
        assertTrue(errors.get(0).contains("mixes embedding dimensions gemini=3072 (gemini-embedding-001), "
                + "openai=1536 (text-embedding-3-small), holysheep=1536 (text-embedding-3-small)"), errors.get(0));

        // a valid edit goes live: the refusal above was the check, not a reload that never happened
        writeChain(original.replace("tier:openai", "tier:@").replace("tier:holysheep", "tier:openai")
                .replace("tier:@", "tier:holysheep"));
        await().atMost(Duration.ofSeconds(4)).until(() -> "holysheep".equals(embed("{\"model\":\"embeddings\",\"input\":\"y\"}")
                .headers().firstValue("x-gateway-provider").orElse(null)));
    }

    static HttpResponse<String> embed(String json, String... headers) {
        return gw.post("/v1/embeddings", "application/json", json, headers);
    }

    private static void assertError(HttpResponse<String> r, String code, String param) {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = TestGateway.json(r).path("error");
        assertEquals(code, error.path("code").asText(), r.body());
        assertEquals(param, error.path("param").asText(), r.body());
    }

    private static JsonNode byId(JsonNode models, String id) {
        for (JsonNode m : models) {
            if (id.equals(m.path("id").asText())) {
                return m;
            }
        }
        throw new AssertionError("no model " + id + " in " + models);
    }

    private static float[] floats(JsonNode array) {
        float[] v = new float[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).floatValue();
        }
        return v;
    }

    private static void writeChain(String yaml) throws IOException {
        Path tmp = routes.resolve("chain-embeddings.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, routes.resolve("chain-embeddings.yaml"), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }
}

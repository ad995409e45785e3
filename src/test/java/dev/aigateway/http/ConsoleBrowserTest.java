package dev.aigateway.http;

import dev.aigateway.NodeScripts;
import dev.aigateway.NodeScripts.Result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;



import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;


import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.simulator.Faults;

/**
 * The console in a real browser: Debian's headless Chromium driven by playwright-core (src/test/node/console.mjs)
 * against a gateway with gateway.auth.enabled. After known traffic the dashboard shows what /admin/providers says;
 * a key revoked in the page gets 401 on its next request; a replay started in the page shows its new attempts next
 * to the old ones. No console error on any page; screenshots go to target/console/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    static final Path SHOTS = Path.of("target/console").toAbsolutePath();
    static final String ADMIN = "admin-console-FAKE-5c4b3a";
    static Path dir;
    static TestGateway gw;
    static String chromium;
    static String trafficKey;
    static int chartsDrawn = -1;

    @BeforeAll
    static void start() throws Exception {
        chromium = chromium();
        NodeScripts.install("playwright-core");
        Files.createDirectories(SHOTS);
        dir = Files.createTempDirectory("console-test");
        Path admin = Files.writeString(dir.resolve("admin.key"), ADMIN);
        // bodies logged: an HTTP request can be replayed (docs/request-log.md)
        gw = TestGateway.start(Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file",
                dir.resolve("keys.json").toString(), "gateway.auth.admin-key-file", admin.toString(),
                "gateway.request-log.bodies", "true"));
        HttpResponseJson created = new HttpResponseJson(gw.adminCall("POST", "/admin/keys", "{\"owner\":\"traffic\"}",
                "Authorization", "Bearer " + ADMIN));
        trafficKey = created.json.path("key").asText();
        assertTrue(trafficKey.length() > 10, created.body);
        // known traffic: openai refuses the first request (503: it falls back to anthropic), answers the next four
        gw.sim("openai").faults(Faults.of("error").withStatus(503));
        assertEquals(200, chat("first, with a fallback"));
        gw.sim("openai").reset();
        for (int i = 0; i < 4; i++) {
            assertEquals(200, chat("request " + i));
        }
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    @Order(1)
    void theDashboardShowsWhatTheAdminApiSays() throws Exception {
        JsonNode out = browse("dashboard");
        assertTrue(out.path("askedForKey").asBoolean(), "auth is on: the page asked for the admin key first");
        assertFalse(out.path("keyInUrl").asBoolean(), "the admin key never goes into the URL");
        assertTrue(out.path("equal").asBoolean(), "page " + out.path("page") + "\n != /admin/providers " + out.path("api"));
        JsonNode totals = out.at("/page/totals");
        assertEquals("5", totals.path("total").asText(), out.toString());
        assertEquals("5", totals.path("successful").asText());
        assertEquals("1", totals.path("fallback_count").asText());
        assertEquals("100", totals.path("success_rate_percent").asText());
        JsonNode openai = out.at("/page/providers/openai");
        assertEquals("5", openai.path("requests").asText(), "openai was tried by all 5: " + openai);
        assertEquals("1", openai.path("fallbacks").asText());
        assertEquals("80", openai.path("success_rate_percent").asText(), "4 of its 5 attempts answered");
        assertTrue(openai.path("breaker").asText().startsWith("CLOSED"), openai.toString());
        assertEquals("1", out.at("/page/providers/anthropic/requests").asText());
        assertEquals("100", out.at("/page/providers/anthropic/success_rate_percent").asText());
        assertTrue(Files.size(SHOTS.resolve("console-dashboard.png")) > 10_000, "a screenshot of the dashboard");
        chartsDrawn = out.path("charts").asInt(); // the usage charts need /admin/usage: checked with the request log below
    }

    @Test
    @Order(2)
    void aKeyRevokedInThePageGets401() throws Exception {
        JsonNode out = browse("keys");
        String secret = out.path("secret").asText();
        assertTrue(secret.length() > 10, "the new key is shown once in the page: " + out);
        assertEquals(200, out.path("before").asInt(), "the key created in the page works");
        assertEquals("5.00", out.path("budgetShown").asText());
        assertEquals(401, out.path("after").asInt(), "after the revoke in the page, its next request is refused");
        assertEquals(401, gw.chat(TestGateway.request("still revoked?"), "Authorization", "Bearer " + secret).statusCode());
        JsonNode keys = new HttpResponseJson(gw.admin("/admin/keys", "Authorization", "Bearer " + ADMIN)).json.path("keys");
        boolean revoked = false;
        for (JsonNode k : keys) {
            revoked |= k.path("id").asText().equals(out.path("keyId").asText()) && k.path("revoked").asBoolean();
        }
        assertTrue(revoked, "the keys file says revoked: " + keys);
        assertEquals(200, chat("the other key still works"));
    }

    /** Needs the request log, usage and replay (/admin/requests, /admin/usage, /admin/replay: issue 15 items 2, 3). */
    @Test
    @Order(3)
    void aReplayFromThePageShowsTheNewAttempts() throws Exception {
        JsonNode settings = new HttpResponseJson(gw.admin("/console/settings.json")).json;
        assertTrue(settings.path("endpoints").toString().contains("\"/admin/replay\""),
                "this build serves no /admin/replay (the request log and replay of issue 15): " + settings);
        assertTrue(settings.path("endpoints").toString().contains("\"/admin/usage\""), settings.toString());
        assertEquals(6, chartsDrawn, "the dashboard drew its six usage charts from /admin/usage");
        gw.reset(); // openai answers again: the replay of the request that fell back is answered by openai alone
        JsonNode out = browse("replay");
        List<String> original = new ArrayList<>();
        out.path("originalShown").forEach(a -> original.add(a.get(0).asText() + ":" + a.get(1).asText()));
        assertEquals(2, original.size(), out.toString());
        assertTrue(original.get(0).startsWith("openai:") && !original.get(0).equals("openai:ok"), original.toString());
        assertEquals("anthropic:ok", original.get(1));
        JsonNode replay = out.at("/response/replay");
        assertEquals(out.path("replayId").asText(), replay.path("request_id").asText());
        assertFalse(replay.path("request_id").asText().equals(out.path("requestId").asText()), "a new request id");
        List<String> shown = new ArrayList<>();
        out.path("replayShown").forEach(a -> shown.add(a.get(0).asText() + ":" + a.get(1).asText()));
        List<String> answered = new ArrayList<>();
        replay.path("attempts").forEach(a -> answered.add(a.path("provider").asText() + ":" + a.path("outcome").asText()));
        assertEquals(List.of("openai:ok"), answered, "the replay through the chain as it is now: " + replay);
        assertEquals(answered, shown, "the page shows the replay's attempts");
    }

    private static int chat(String text) {
        return gw.chat(TestGateway.request(text), "Authorization", "Bearer " + trafficKey).statusCode();
    }

    /** Runs one phase of console.mjs; its last line is its JSON report. Fails on any console error. */
    private static JsonNode browse(String phase) throws Exception {
        Result r = run(List.of("node", "console.mjs", phase), 120);
        assertEquals(0, r.exit(), r.output());
        String[] lines = r.output().strip().split("\n");
        JsonNode out = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertEquals("[]", out.path("consoleErrors").toString(), "no console errors in the " + phase + " page");
        return out;
    }

    /** Debian's chromium, or CHROMIUM: missing is a failure saying how to install it, not a silent skip. */
    private static String chromium() {
        String given = System.getenv("CHROMIUM");
        for (String candidate : given != null ? List.of(given) : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return fail("Chromium is not installed: run `apt-get install -y chromium` (or set CHROMIUM to its path); "
                + "the console's browser test needs it (.ci/run installs it)");
    }

    private static Result run(List<String> command, int seconds) throws Exception {
        return NodeScripts.run(command, seconds, gw == null ? Map.of() : Map.of("ADMIN_URL", "http://127.0.0.1:" + gw.adminPort,
                "API_URL", "http://127.0.0.1:" + gw.port, "ADMIN_KEY", ADMIN, "SHOTS", SHOTS.toString(), "CHROMIUM", chromium));
    }

    private static final class HttpResponseJson {
        final String body;
        final JsonNode json;

        HttpResponseJson(java.net.http.HttpResponse<String> r) {
            body = r.body();
            json = TestGateway.json(r);
        }
    }
}

package dev.aigateway.kafka;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;
import dev.aigateway.auth.ApiKeys;
import dev.aigateway.auth.KeyFile;
import dev.aigateway.auth.KeyUsageTopic;
import dev.aigateway.chain.Cooldowns;
import dev.aigateway.health.ProviderHealth;
import dev.aigateway.simulator.Faults;

/**
 * Two gateway instances (gw-a, gw-b) on one real broker share key usage through ai.key-usage and provider
 * cooldowns through the health topic. Instance b calls a's upstream (same fingerprints), so the simulator's
 * call counts are the calls of both.
 */
class ClusterUsageTest {
    static KafkaTestSupport kafka;
    static TestGateway a;
    static TestGateway b;
    static KeyFile keys;
    static Map<String, String> bSettings;
    static String budgetKey;
    static String rpmKey;
    static String restartKey;
    static String monthKey;
    static String ghostKey;
    static String freeKey;
    static final double BUDGET = 0.0009;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("cluster-keys");
        keys = new KeyFile(dir.resolve("gateway-keys.json"));
        // one simulated answer to this prompt costs about 0.00016 USD: the budget is 5 to 6 of them
        budgetKey = keys.create("team-budget", List.of(), List.of(), 0, BUDGET).secret();
        freeKey = keys.create("team-free", List.of(), List.of(), 0, 0).secret();
        rpmKey = keys.create("team-rpm", List.of(), List.of(), 4, 0).secret();
        restartKey = keys.create("team-restart", List.of(), List.of(), 0, 0).secret();
        monthKey = keys.create("team-month", List.of(), List.of(), 0, 1).secret();
        ghostKey = keys.create("team-ghost", List.of(), List.of(), 0, 1).secret();
        kafka = new KafkaTestSupport();
        Map<String, String> common = Map.of("gateway.auth.enabled", "true", "gateway.auth.keys-file",
                keys.path().toString(), "gateway.usage.publish-interval", "200ms", "gateway.shared-cooldown-max", "10s");
        Map<String, String> aSettings = new HashMap<>(common);
        aSettings.put("gateway.instance-id", "gw-a");
        a = kafka.startGateway(aSettings);
        bSettings = new HashMap<>(common);
        bSettings.put("gateway.instance-id", "gw-b");
        for (String p : List.of("openai", "anthropic", "deepseek", "holysheep", "gemini", "openai-us", "openai-eu")) {
            bSettings.put("provider." + p + ".base-url", a.upstream.baseUrl(p));
        }
        b = kafka.startGateway(bSettings);
        awaitRestored(a);
        awaitRestored(b);
    }

    @Test
    void theKeyUsageTopicIsCompactedSoon() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", kafka.brokers()))) {
            org.apache.kafka.common.config.ConfigResource topic = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "ai.key-usage");
            org.apache.kafka.clients.admin.Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertEquals("compact", config.get("cleanup.policy").value());
            assertEquals("600000", config.get("segment.ms").value());
            assertEquals(1, admin.describeTopics(List.of("ai.key-usage")).allTopicNames().get().get("ai.key-usage")
                    .partitions().size());
        }
    }

    @AfterAll
    static void stop() {
        b.close();
        a.close();
        kafka.close();
    }

    @BeforeEach
    void reset() {
        a.reset();
        b.reset();
    }

    @Test
    void aBudgetHoldsForTheSpendOfBothInstances() {
        int admitted = 0;
        int refused = 0;
        double cost = 0;
        for (int i = 0; i < 16; i++) {
            TestGateway gw = i % 2 == 0 ? a : b;
            HttpResponse<String> r = gw.chat(TestGateway.request("budget"), "Authorization", "Bearer " + budgetKey);
            if (r.statusCode() == 200) {
                admitted++;
                cost = TestGateway.json(r).at("/gateway/cost_usd").asDouble();
                // the other instance has the spend before the next request (the documented bound's window is empty)
                int expected = admitted;
                TestGateway other = gw == a ? b : a;
                await().atMost(Duration.ofSeconds(10)).until(() -> usage(other, "team-budget").path("month_requests")
                        .asLong() == expected);
            } else {
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("insufficient_quota", TestGateway.json(r).at("/error/code").asText());
                refused++;
            }
        }
        // the request that crosses the budget is the last admitted, on either instance; alone each would admit as many
        assertTrue(cost > 0 && BUDGET / cost < 8, "an answer costs about 0.00016 USD: " + cost);
        int crossing = (int) Math.ceil(BUDGET / cost);
        assertEquals(crossing, admitted, "both instances together stop at the budget (" + cost + " USD per answer)");
        assertEquals(16 - crossing, refused);
        JsonNode onA = usage(a, "team-budget");
        JsonNode onB = usage(b, "team-budget");
        assertEquals("cluster", onA.path("scope").asText());
        assertEquals(1, onA.path("other_instances").asInt());
        assertEquals(onA.path("month_cost_usd").asDouble(), onB.path("month_cost_usd").asDouble(), 1e-12,
                "both see the same cluster-wide spend");
        assertEquals(onA.path("month_cost_usd").asDouble(), onA.at("/this_instance/month_cost_usd").asDouble()
                + onB.at("/this_instance/month_cost_usd").asDouble(), 1e-12, "the sum of the two instances' own");
        assertTrue(onA.at("/this_instance/requests").asLong() >= 2 && onB.at("/this_instance/requests").asLong() >= 2,
                "both instances served the key: " + onA + " / " + onB);
    }

    @Test
    void theRpmLimitCountsTheRequestsOfBothInstances() {
        for (int i = 0; i < 4; i++) {
            TestGateway gw = i % 2 == 0 ? a : b;
            HttpResponse<String> r = gw.chat(TestGateway.request("rpm"), "Authorization", "Bearer " + rpmKey);
            assertEquals(200, r.statusCode(), r.body());
            int expected = i + 1;
            TestGateway other = gw == a ? b : a;
            await().atMost(Duration.ofSeconds(10)).until(() -> usage(other, "team-rpm").path("requests_last_minute")
                    .asLong() == expected);
        }
        long calls = a.sim("openai").calls();
        for (TestGateway gw : List.of(a, b)) {
            HttpResponse<String> r = gw.chat(TestGateway.request("rpm"), "Authorization", "Bearer " + rpmKey);
            assertEquals(429, r.statusCode(), "4 per minute over both instances (each has served only 2): " + r.body());
            assertEquals("rate_limit_exceeded", TestGateway.json(r).at("/error/code").asText());
            long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
            assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        }
        assertEquals(calls, a.sim("openai").calls(), "refused requests reach no provider");
    }

    @Test
    void aRestartedInstanceContinuesItsCounts() throws Exception {
        // a run that publishes only when it stops: what is restored below is its last record, written on the way out
        b.close();
        Map<String, String> quiet = new HashMap<>(bSettings);
        quiet.put("gateway.usage.publish-interval", "1h");
        b = kafka.startGateway(quiet);
        awaitRestored(b);
        for (int i = 0; i < 3; i++) {
            assertEquals(200, b.chat(TestGateway.request("restart"), "Authorization", "Bearer " + restartKey).statusCode());
        }
        JsonNode before = usage(b, "team-restart").path("this_instance");
        assertEquals(3, before.path("month_requests").asLong());
        b.close(); // publishes its last counts as it stops
        b = kafka.startGateway(bSettings); // same instance id
        awaitRestored(b);
        JsonNode after = usage(b, "team-restart").path("this_instance");
        assertEquals("gw-b", after.path("instance").asText());
        assertEquals(3, after.path("month_requests").asLong(), "restored from ai.key-usage, not zero: " + after);
        assertEquals(3, after.path("requests").asLong());
        assertEquals(before.path("month_cost_usd").asDouble(), after.path("month_cost_usd").asDouble(), 1e-12);
        assertTrue(after.path("month_cost_usd").asDouble() > 0);
        assertEquals(3, after.path("requests_last_minute").asLong(), "the rpm window survives the restart too");
        // and it goes on counting from there
        assertEquals(200, b.chat(TestGateway.request("restart"), "Authorization", "Bearer " + restartKey).statusCode());
        assertEquals(4, usage(b, "team-restart").at("/this_instance/month_requests").asLong());
        // readiness (/observe/health) has the check, UP once the topic was read
        String readiness = b.management("/observe/health?exposureLevel=full").body();
        assertTrue(readiness.contains("{\"name\":\"key-usage\",\"status\":\"UP\""), readiness);
    }

    @Test
    void aPastMonthsRecordCountsNothingAndThisMonthsOfAGoneInstanceCounts() {
        String monthId = keyId("team-month");
        String ghostId = keyId("team-ghost");
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        // an instance gone since last month spent 1000 USD of team-month then; one gone this month spent it of team-ghost
        kafka.send("ai.key-usage", monthId + "|gw-old", record(monthId, "gw-old", now.minusMonths(1), 1000));
        kafka.send("ai.key-usage", ghostId + "|gw-gone", record(ghostId, "gw-gone", now, 1000));
        // and a record that would give the budget back (negative spend) gives nothing
        kafka.send("ai.key-usage", ghostId + "|gw-neg", record(ghostId, "gw-neg", now, -1000));
        await().atMost(Duration.ofSeconds(10)).until(() -> usage(a, "team-ghost").path("other_instances").asInt() == 2
                && usage(a, "team-month").path("other_instances").asInt() == 1);
        HttpResponse<String> month = a.chat(TestGateway.request("month"), "Authorization", "Bearer " + monthKey);
        assertEquals(200, month.statusCode(), "last month's spend is not this month's: " + month.body());
        JsonNode u = usage(a, "team-month");
        assertTrue(u.path("month_cost_usd").asDouble() < 1, "month total without last month's: " + u);
        assertEquals(8, u.path("requests").asLong(), "all-time counts keep it (7 + 1)");
        HttpResponse<String> ghost = a.chat(TestGateway.request("ghost"), "Authorization", "Bearer " + ghostKey);
        assertEquals(429, ghost.statusCode(), "a stopped instance's spend of this month still counts: " + ghost.body());
        assertEquals("insufficient_quota", TestGateway.json(ghost).at("/error/code").asText());
    }

    @Test
    void aCooldownLearntByOneInstanceKeepsTheOtherAwayUntilItEnds() {
        // instance a gets a 429 with Retry-After: 5 from openai and falls back
        a.sim("openai").faults(Faults.of("rate-limit").withRetryAfter(5), 1);
        HttpResponse<String> first = a.chat(TestGateway.request("cool"), "Authorization", "Bearer " + freeKey);
        assertEquals("anthropic", first.headers().firstValue("x-gateway-provider").orElseThrow(), first.body());
        assertEquals(1, a.sim("openai").calls());
        Cooldowns bCooldowns = b.context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class);
        await().atMost(Duration.ofSeconds(10)).until(() -> bCooldowns.remainingMs("openai") > 0);
        // instance b never saw the 429, yet skips openai while the cooldown lasts
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = b.chat(TestGateway.request("cool on b"), "Authorization", "Bearer " + freeKey);
            assertEquals("anthropic", r.headers().firstValue("x-gateway-provider").orElseThrow(), r.body());
            assertEquals("cooling_down", TestGateway.json(r).at("/gateway/attempts/0/outcome").asText());
        }
        assertEquals(1, a.sim("openai").calls(), "instance b did not call openai during the Retry-After");
        await().atMost(Duration.ofSeconds(10)).until(() -> bCooldowns.remainingMs("openai") == 0);
        HttpResponse<String> after = b.chat(TestGateway.request("after"), "Authorization", "Bearer " + freeKey);
        assertEquals("openai", after.headers().firstValue("x-gateway-provider").orElseThrow(), "expired: called again");
        assertEquals(2, a.sim("openai").calls());
    }

    @Test
    void foreignExpiredAndOverlongCooldownRecordsAreNotTakenAsTheyAre() {
        ProviderHealth health = b.context().getRegistry().lookupByNameAndType("providerHealth", ProviderHealth.class);
        Cooldowns cooldowns = b.context().getRegistry().lookupByNameAndType("cooldowns", Cooldowns.class);
        String fp = health.fingerprint("deepseek");
        Instant now = Instant.now();
        // another target (fingerprint), an expired one, a wrong record key: none applies
        kafka.send("ai.provider-health", "cooldown:deepseek", cooldown("deepseek", "0123456789abcdef", now, now.plusSeconds(60)));
        kafka.send("ai.provider-health", "cooldown:deepseek", cooldown("deepseek", fp, now.minusSeconds(30), now.minusSeconds(1)));
        kafka.send("ai.provider-health", "deepseek", cooldown("deepseek", fp, now, now.plusSeconds(60)));
        // a day asked for: applied for gateway.shared-cooldown-max (10 s here) at most
        kafka.send("ai.provider-health", "cooldown:gemini", cooldown("gemini", health.fingerprint("gemini"), now,
                now.plus(Duration.ofDays(1))));
        await().atMost(Duration.ofSeconds(10)).until(() -> cooldowns.remainingMs("gemini") > 0);
        assertTrue(cooldowns.remainingMs("gemini") <= 10_000, "capped: " + cooldowns.remainingMs("gemini"));
        assertEquals(0, cooldowns.remainingMs("deepseek"), "records sent before gemini's were all dropped");
        String metrics = b.management("/observe/metrics").body();
        for (String reason : List.of("fingerprint", "expired", "key_mismatch")) {
            assertTrue(metrics.contains("reason=\"" + reason + "\""), reason + " counted");
        }
        // the health state of deepseek is untouched: a cooldown is no health result
        assertTrue(health.results().stream().filter(r -> r.provider().equals("deepseek")).allMatch(r -> r.healthy()));
    }

    private static String cooldown(String provider, String fingerprint, Instant timestamp, Instant until) {
        return Json.object().put("kind", "cooldown").put("provider", provider).put("fingerprint", fingerprint)
                .put("timestamp", timestamp.toString()).put("until", until.toString()).put("instance", "test")
                .put("origin", "test").put("reason", "test").toString();
    }

    private static String record(String keyId, String instance, YearMonth month, double cost) {
        JsonNode n = Json.object().put("key", keyId).put("instance", instance).put("session", "s")
                .put("timestamp", Instant.now().toString()).put("month", month.toString()).put("month_requests", 7)
                .put("month_prompt_tokens", 70).put("month_completion_tokens", 70).put("month_estimated_requests", 0)
                .put("month_cost_usd", cost).put("requests", 7).put("prompt_tokens", 70).put("completion_tokens", 70)
                .put("estimated_requests", 0).put("cost_usd", cost);
        return n.toString();
    }

    private static String keyId(String owner) {
        for (JsonNode k : apiKeys(a).describe().path("keys")) {
            if (owner.equals(k.path("owner").asText())) {
                return k.path("id").asText();
            }
        }
        throw new AssertionError("no key of " + owner);
    }

    private static JsonNode usage(TestGateway gw, String owner) {
        for (JsonNode k : apiKeys(gw).describe().path("keys")) {
            if (owner.equals(k.path("owner").asText())) {
                return k.path("usage");
            }
        }
        throw new AssertionError("no key of " + owner);
    }

    private static ApiKeys apiKeys(TestGateway gw) {
        return gw.context().getRegistry().lookupByNameAndType("apiKeys", ApiKeys.class);
    }

    private static void awaitRestored(TestGateway gw) {
        KeyUsageTopic topic = gw.context().getRegistry().lookupByNameAndType("keyUsageTopic", KeyUsageTopic.class);
        await().atMost(Duration.ofSeconds(30)).until(topic::restored);
    }
}

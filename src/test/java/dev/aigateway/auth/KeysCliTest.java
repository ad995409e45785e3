package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The key CLI on a keys file: create prints the key once and stores only its hash; list; revoke. */
class KeysCliTest {

    @Test
    void createListRevoke() throws Exception {
        Path file = Files.createTempDirectory("cli").resolve("gateway-keys.json");
        String created = run("create", "--owner", "team-cli", "--rpm", "30", "--budget", "12.5", "--chains", "default,premium",
                "--file", file.toString());
        String secret = created.lines().filter(l -> l.startsWith("key:")).findFirst().orElseThrow().split("\\s+")[1];
        assertTrue(secret.startsWith("sk-gw-") && secret.length() > 40, created);
        String stored = Files.readString(file);
        assertFalse(stored.contains(secret), "the file keeps only the hash");
        assertTrue(stored.contains(KeyFile.sha256(secret)));

        List<GatewayKey> keys = new KeyFile(file).read();
        assertEquals(1, keys.size());
        GatewayKey k = keys.get(0);
        assertEquals("team-cli", k.owner());
        assertEquals(30, k.rpm());
        assertEquals(12.5, k.monthlyBudgetUsd());
        assertEquals(List.of("default", "premium"), k.chains());

        assertTrue(run("list", "--file", file.toString()).contains(k.id() + "  team-cli"));
        assertTrue(run("revoke", k.id(), "--file", file.toString()).contains("revoked " + k.id()));
        assertTrue(new KeyFile(file).read().get(0).revoked());
        assertTrue(run("list", "--file", file.toString()).contains("REVOKED"));
    }

    private static String run(String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            KeysCli.main(args);
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

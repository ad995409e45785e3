package dev.aigateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.aigateway.api.Json;

/** The keys file: what create writes (never the secret), revoke, and files that cannot be read. */
class KeyFileTest {
    @TempDir
    Path dir;

    @Test
    void aMissingFileHasNoKeys() throws IOException {
        assertEquals(List.of(), new KeyFile(dir.resolve("none.json")).read());
    }

    @Test
    void createKeepsTheHashNeverTheSecret() throws IOException {
        Path path = dir.resolve("sub/keys.json");
        KeyFile file = new KeyFile(path);
        KeyFile.Created a = file.create("  team-a ", List.of("default"), List.of("gpt-4.1"), 60, 12.5);
        KeyFile.Created b = file.create("team-b", List.of(), List.of(), 0, 0);

        assertTrue(a.secret().startsWith("sk-gw-") && a.secret().length() > 40, a.secret());
        assertNotEquals(a.secret(), b.secret());
        assertNotEquals(a.key().id(), b.key().id());
        assertTrue(a.key().id().matches("key_[0-9a-f]{12}"), a.key().id());
        assertEquals(KeyFile.sha256(a.secret()), a.key().sha256());
        assertEquals("team-a", a.key().owner(), "trimmed");

        String text = Files.readString(path);
        assertFalse(text.contains(a.secret()) || text.contains(b.secret()), "the secret is shown once, never stored");
        JsonNode first = Json.MAPPER.readTree(text).path("keys").get(0);
        assertEquals(a.key().sha256(), first.path("sha256").asText());
        assertEquals(12.5, first.path("monthly_budget_usd").asDouble(), "snake_case, as documented");
        assertEquals("[\"default\"]", first.path("chains").toString());

        List<GatewayKey> keys = new KeyFile(path).read();
        assertEquals(List.of(a.key(), b.key()), keys, "read back as written, in order");
        try (var files = Files.list(path.getParent())) {
            assertEquals(List.of(path), files.toList(), "no temporary file left beside it");
        }
    }

    @Test
    void sha256IsTheHexDigest() {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", KeyFile.sha256("abc"));
    }

    @Test
    void revokeKeepsTheKeyMarked() throws IOException {
        KeyFile file = new KeyFile(dir.resolve("keys.json"));
        KeyFile.Created a = file.create("a", List.of(), List.of(), 0, 0);
        KeyFile.Created b = file.create("b", List.of(), List.of(), 0, 0);
        assertTrue(file.revoke(a.key().id()));
        assertFalse(file.revoke("key_000000000000"));
        List<GatewayKey> keys = file.read();
        assertEquals(2, keys.size(), "kept, so its accounting still reads");
        assertTrue(keys.get(0).revoked());
        assertFalse(keys.get(1).revoked());
        assertEquals(b.key(), keys.get(1));
    }

    @Test
    void badInputIsRefused() throws IOException {
        KeyFile file = new KeyFile(dir.resolve("keys.json"));
        assertThrows(IllegalArgumentException.class, () -> file.create(" ", List.of(), List.of(), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> file.create("a", List.of(), List.of(), -1, 0));
        assertThrows(IllegalArgumentException.class, () -> file.create("a", List.of(), List.of(), 0, -0.01));
        assertFalse(Files.exists(file.path()), "nothing written for a refused key");

        Files.writeString(file.path(), "{\"not_keys\": []}");
        IOException e = assertThrows(IOException.class, file::read);
        assertTrue(e.getMessage().contains("expected {\"keys\": [...]}"), e.getMessage());
        Files.writeString(file.path(), "{\"keys\": [");
        assertThrows(IOException.class, file::read, "half a file is an error, not an empty key list");
    }
}

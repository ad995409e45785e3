package dev.aigateway.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The gateway keys file ({@code gateway.auth.keys-file}): JSON {@code {"keys": [...]}} with one entry per
 * key — id, owner, sha256, chains, models, rpm, monthly_budget_usd, revoked, created, and optionally
 * max_tokens_limit and max_n (0 or absent: the gateway's limits). Written atomically,
 * so the gateway watching it never reads half a file. Shared by the admin endpoint and the CLI.
 */
public final class KeyFile {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key just created: the secret (shown once) and what the file keeps of it. */
    public record Created(String secret, GatewayKey key) {
    }

    private final Path path;

    public KeyFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** The keys in the file; none when it does not exist. */
    public synchronized List<GatewayKey> read() throws IOException {
        if (!Files.exists(path)) {
            return List.of();
        }
        JsonNode root = MAPPER.readTree(path.toFile());
        JsonNode keys = root == null ? null : root.get("keys");
        if (keys == null || !keys.isArray()) {
            throw new IOException(path + ": expected {\"keys\": [...]}");
        }
        return MAPPER.convertValue(keys, new TypeReference<List<GatewayKey>>() { });
    }

    public synchronized Created create(String owner, List<String> chains, List<String> models, int rpm,
            double monthlyBudgetUsd) throws IOException {
        return create(owner, chains, models, rpm, monthlyBudgetUsd, 0, 0);
    }

    /** @param maxTokensLimit, maxN the key's own limits on max_tokens and n (0: the gateway's) */
    public synchronized Created create(String owner, List<String> chains, List<String> models, int rpm,
            double monthlyBudgetUsd, int maxTokensLimit, int maxN) throws IOException {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("a key needs an owner");
        }
        if (rpm < 0 || monthlyBudgetUsd < 0 || maxTokensLimit < 0 || maxN < 0) {
            throw new IllegalArgumentException("rpm, monthly_budget_usd, max_tokens_limit and max_n must not be negative");
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String secret = "sk-gw-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        byte[] id = new byte[6];
        RANDOM.nextBytes(id);
        GatewayKey key = new GatewayKey("key_" + HexFormat.of().formatHex(id), owner.trim(), sha256(secret), chains,
                models, rpm, monthlyBudgetUsd, false, Instant.now().toString(), maxTokensLimit, maxN);
        List<GatewayKey> keys = new ArrayList<>(read());
        keys.add(key);
        write(keys);
        return new Created(secret, key);
    }

    /** Marks the key revoked (kept, so its accounting still reads); false when no such id. */
    public synchronized boolean revoke(String id) throws IOException {
        List<GatewayKey> keys = new ArrayList<>(read());
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i).id().equals(id)) {
                keys.set(i, keys.get(i).revoke());
                write(keys);
                return true;
            }
        }
        return false;
    }

    private void write(List<GatewayKey> keys) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".gateway-keys", ".tmp");
        Files.writeString(tmp, MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(MAPPER.createObjectNode().set("keys", MAPPER.valueToTree(keys))) + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

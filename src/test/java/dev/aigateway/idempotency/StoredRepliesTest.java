package dev.aigateway.idempotency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.aigateway.api.Json;

/** The in-memory side of the store: TTL, LRU bound, and claims that make duplicates wait. */
class StoredRepliesTest {
    static StoredReplies.Entry entry(String id, long at) {
        return new StoredReplies.Entry(id, "http/-", at, null, Json.object().put("id", id));
    }

    @Test
    void anEntryOlderThanTheTtlIsGone() throws Exception {
        StoredReplies store = StoredReplies.inMemory(1_000, 10);
        store.store(entry("old", System.currentTimeMillis() - 1_001), false);
        store.store(entry("new", System.currentTimeMillis()), false);
        assertNull(store.get("old"));
        assertEquals("new", store.get("new").requestId());
        assertEquals(1, store.size(), "the expired entry was evicted when looked up");
    }

    @Test
    void theLeastRecentlyUsedGoesFirst() throws Exception {
        StoredReplies store = StoredReplies.inMemory(60_000, 2);
        long now = System.currentTimeMillis();
        store.store(entry("a", now), false);
        store.store(entry("b", now), false);
        store.get("a");
        store.store(entry("c", now), false);
        assertNull(store.get("b"));
        assertTrue(store.get("a") != null && store.get("c") != null);
    }

    @Test
    void aDuplicateWaitsForTheClaimAndGetsItsReply() throws Exception {
        StoredReplies store = StoredReplies.inMemory(60_000, 10);
        assertNull(store.lookupOrClaim("x", 1_000), "the first claims");
        CompletableFuture<StoredReplies.Entry> second = CompletableFuture.supplyAsync(() -> {
            try {
                return store.lookupOrClaim("x", 5_000);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        StoredReplies.Entry stored = entry("x", System.currentTimeMillis());
        org.awaitility.Awaitility.await("the duplicate waits").during(java.time.Duration.ofMillis(100))
                .atMost(java.time.Duration.ofSeconds(2)).until(() -> !second.isDone());
        store.store(stored, false);
        assertSame(stored, second.get());
    }

    @Test
    void aReleasedClaimPassesToTheNextAndAStuckOneTimesOut() throws Exception {
        StoredReplies store = StoredReplies.inMemory(60_000, 10);
        assertNull(store.lookupOrClaim("y", 1_000));
        assertThrows(TimeoutException.class, () -> store.lookupOrClaim("y", 100));
        store.release("y");
        assertNull(store.lookupOrClaim("y", 100), "released: the next one claims it");
    }
}

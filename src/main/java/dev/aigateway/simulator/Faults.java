package dev.aigateway.simulator;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * What a simulated provider does wrong, switchable at run time (PUT /_sim/&lt;name&gt;).
 *
 * @param mode          none | error | rate-limit | quota | overloaded | bad-request | reply | drop | hang | garbage
 *                      | cut | truncate | stall | malformed | error-event | no-prefill
 *                      (before any answer), or cut | truncate | stall | malformed | error-event (inside a stream,
 *                      after {@code afterChunks} pieces; see {@link ProviderSimulator})
 * @param rate          share of calls (0..1) that get the fault; the rest answer normally
 * @param latencyMs     delay before every answer (or fault); for a stream, the time to its first token
 * @param status        HTTP status for mode "error"
 * @param retryAfterSec Retry-After seconds sent with rate-limit (negative: no header, like many real 429s)
 * @param afterChunks   content pieces a stream fault lets through before it strikes (JSON {@code after_chunks})
 * @param chunkMs       pause between two streamed pieces (JSON {@code chunk_ms})
 */
public record Faults(String mode, double rate, long latencyMs, int status, int retryAfterSec, int afterChunks,
        long chunkMs) {

    public static final int DEFAULT_AFTER_CHUNKS = 3;
    public static final long DEFAULT_CHUNK_MS = 20;

    public Faults {
        if (afterChunks < 0 || chunkMs < 0) {
            throw new IllegalArgumentException("after_chunks and chunk_ms must not be negative");
        }
    }

    /** The record as it was before streaming: stream fields at their defaults. */
    public Faults(String mode, double rate, long latencyMs, int status, int retryAfterSec) {
        this(mode, rate, latencyMs, status, retryAfterSec, DEFAULT_AFTER_CHUNKS, DEFAULT_CHUNK_MS);
    }

    public static Faults none(long latencyMs) {
        return new Faults("none", 1.0, latencyMs, 500, -1);
    }

    public static Faults of(String mode) {
        return new Faults(mode, 1.0, 0, 500, -1);
    }

    public Faults withLatency(long ms) {
        return new Faults(mode, rate, ms, status, retryAfterSec, afterChunks, chunkMs);
    }

    public Faults withRetryAfter(int seconds) {
        return new Faults(mode, rate, latencyMs, status, seconds, afterChunks, chunkMs);
    }

    public Faults withStatus(int httpStatus) {
        return new Faults(mode, rate, latencyMs, httpStatus, retryAfterSec, afterChunks, chunkMs);
    }

    public Faults withAfterChunks(int pieces) {
        return new Faults(mode, rate, latencyMs, status, retryAfterSec, pieces, chunkMs);
    }

    public Faults withChunkMs(long ms) {
        return new Faults(mode, rate, latencyMs, status, retryAfterSec, afterChunks, ms);
    }

    /** This record with the fields present in {@code patch} replaced (JSON names as in {@link #toJson}). */
    public Faults merge(JsonNode patch) {
        String m = patch.path("fault").asText(patch.path("mode").asText(mode)).toLowerCase(Locale.ROOT);
        return new Faults(m, patch.path("rate").asDouble(rate), patch.path("latency_ms").asLong(latencyMs),
                patch.path("status").asInt(status), patch.path("retry_after").asInt(retryAfterSec),
                patch.path("after_chunks").asInt(afterChunks), patch.path("chunk_ms").asLong(chunkMs));
    }

    public ObjectNode toJson() {
        return Json.object().put("fault", mode).put("rate", rate).put("latency_ms", latencyMs).put("status", status)
                .put("retry_after", retryAfterSec).put("after_chunks", afterChunks).put("chunk_ms", chunkMs);
    }
}

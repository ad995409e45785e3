package dev.aigateway.simulator;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * What a simulated provider does wrong, switchable at run time (PUT /_sim/&lt;name&gt;).
 *
 * @param mode          none | error | rate-limit | quota | overloaded | bad-request | drop | hang | garbage
 * @param rate          share of calls (0..1) that get the fault; the rest answer normally
 * @param latencyMs     delay before every answer (or fault)
 * @param status        HTTP status for mode "error"
 * @param retryAfterSec Retry-After seconds sent with rate-limit (negative: no header, like many real 429s)
 */
public record Faults(String mode, double rate, long latencyMs, int status, int retryAfterSec) {

    public static Faults none(long latencyMs) {
        return new Faults("none", 1.0, latencyMs, 500, -1);
    }

    public static Faults of(String mode) {
        return new Faults(mode, 1.0, 0, 500, -1);
    }

    public Faults withLatency(long ms) {
        return new Faults(mode, rate, ms, status, retryAfterSec);
    }

    public Faults withRetryAfter(int seconds) {
        return new Faults(mode, rate, latencyMs, status, seconds);
    }

    public Faults withStatus(int httpStatus) {
        return new Faults(mode, rate, latencyMs, httpStatus, retryAfterSec);
    }

    /** This record with the fields present in {@code patch} replaced (JSON names as in {@link #toJson}). */
    public Faults merge(JsonNode patch) {
        String m = patch.path("fault").asText(patch.path("mode").asText(mode)).toLowerCase(Locale.ROOT);
        return new Faults(m, patch.path("rate").asDouble(rate), patch.path("latency_ms").asLong(latencyMs),
                patch.path("status").asInt(status), patch.path("retry_after").asInt(retryAfterSec));
    }

    public ObjectNode toJson() {
        return Json.object().put("fault", mode).put("rate", rate).put("latency_ms", latencyMs).put("status", status)
                .put("retry_after", retryAfterSec);
    }
}

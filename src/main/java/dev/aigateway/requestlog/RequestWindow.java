package dev.aigateway.requestlog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * The recent request-log records this instance serves at /admin/requests and /admin/usage: at most
 * gateway.request-log.window-max records, none older than gateway.request-log.window. Filled by
 * {@link RequestLogReader} from the topic (so every instance of a cluster sees every request), or directly
 * by the writer when Kafka is off. A request_id logged twice keeps its newest record.
 */
public final class RequestWindow {
    private final long windowMs;
    private final int max;
    private final LinkedHashMap<String, Entry> byId = new LinkedHashMap<>();

    /** A record with its time read once. */
    private record Entry(long millis, ObjectNode record) {
    }

    public RequestWindow(long windowMs, int max) {
        this.windowMs = windowMs;
        this.max = max;
    }

    public long windowMs() {
        return windowMs;
    }

    public synchronized void add(ObjectNode record) {
        String id = record.path("request_id").asText(null);
        if (id == null) {
            return;
        }
        byId.remove(id);
        byId.put(id, new Entry(millis(record), record));
        long oldest = System.currentTimeMillis() - windowMs;
        for (Iterator<Entry> it = byId.values().iterator(); it.hasNext();) {
            Entry first = it.next();
            if (byId.size() <= max && first.millis() >= oldest) {
                break;
            }
            it.remove();
        }
    }

    /** The record of {@code requestId}, or null when it is not (or no longer) in the window. */
    public synchronized ObjectNode get(String requestId) {
        Entry e = byId.get(requestId);
        return e == null || e.millis() < System.currentTimeMillis() - windowMs ? null : e.record();
    }

    /** The record that came from this Kafka request record, or null. */
    public synchronized ObjectNode bySource(String topic, int partition, long offset) {
        for (Entry e : byId.values()) {
            ObjectNode r = e.record();
            JsonNode s = r.path("source");
            if (topic.equals(s.path("topic").asText()) && s.path("partition").asInt(-1) == partition
                    && s.path("offset").asLong(-1) == offset) {
                return r;
            }
        }
        return null;
    }

    /** Up to {@code limit} records matching {@code filter}, newest first. */
    public List<ObjectNode> newest(Predicate<ObjectNode> filter, int limit) {
        List<Entry> all = recent();
        all.sort(Comparator.comparingLong(Entry::millis).reversed());
        List<ObjectNode> out = new ArrayList<>();
        for (Entry e : all) {
            ObjectNode r = e.record();
            if (out.size() >= limit) {
                break;
            }
            if (filter.test(r)) {
                out.add(r);
            }
        }
        return out;
    }

    /**
     * GET /admin/usage: one bucket per minute over the last {@code minutes} (empty ones too, oldest first), each
     * with requests, tokens and cost by provider, model and key.
     */
    public ObjectNode usage(int minutes) {
        long now = System.currentTimeMillis() / 1000;
        long last = now - now % 60;
        long first = last - (minutes - 1) * 60L;
        TreeMap<Long, ObjectNode> buckets = new TreeMap<>();
        for (long t = first; t <= last; t += 60) {
            ObjectNode b = Json.object().put("t", t);
            b.putObject("by_provider");
            b.putObject("by_model");
            b.putObject("by_key");
            buckets.put(t, b);
        }
        for (Entry e : recent()) {
            ObjectNode r = e.record();
            long sec = e.millis() / 1000;
            ObjectNode b = buckets.get(sec - sec % 60);
            if (b == null) {
                continue;
            }
            long tokens = r.path("prompt_tokens").asLong() + r.path("completion_tokens").asLong();
            double cost = r.path("cost_usd").asDouble();
            add((ObjectNode) b.get("by_provider"), name(r, "provider"), tokens, cost);
            add((ObjectNode) b.get("by_model"), name(r, "model"), tokens, cost);
            add((ObjectNode) b.get("by_key"), name(r, "key_id"), tokens, cost);
        }
        ObjectNode out = Json.object().put("minutes", minutes).put("bucket_seconds", 60);
        buckets.values().forEach(out.putArray("series")::add);
        return out;
    }

    /** A record without provider, model or key counts under "none". */
    private static String name(ObjectNode r, String field) {
        String v = r.path(field).asText(null);
        return v == null || v.isEmpty() ? "none" : v;
    }

    private static void add(ObjectNode by, String name, long tokens, double cost) {
        ObjectNode n = by.has(name) ? (ObjectNode) by.get(name)
                : by.putObject(name).put("requests", 0).put("tokens", 0L).put("cost_usd", 0.0);
        n.put("requests", n.get("requests").asLong() + 1).put("tokens", n.get("tokens").asLong() + tokens)
                .put("cost_usd", n.get("cost_usd").asDouble() + cost);
    }

    private synchronized List<Entry> recent() {
        long oldest = System.currentTimeMillis() - windowMs;
        List<Entry> out = new ArrayList<>(byId.size());
        for (Entry e : byId.values()) {
            if (e.millis() >= oldest) {
                out.add(e);
            }
        }
        return out;
    }

    static long millis(JsonNode record) {
        try {
            return Instant.parse(record.path("time").asText()).toEpochMilli();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** For the window's size in logs and tests. */
    public synchronized int size() {
        return byId.size();
    }
}

package dev.aigateway.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aigateway.api.Json;

/**
 * A fixed number of chat requests, {@code concurrency} at a time, each with its own request_id; counts what
 * came back: answered (200 with the same request_id), failed (any other answer), lost (no answer at all),
 * duplicated (an id answered twice). Printed as one CHAOS line per scenario.
 */
final class Load {
    record Tally(String scenario, int sent, int answered, int failed, int lost, int duplicated, Map<String, Integer> providers) {
        @Override
        public String toString() {
            return "CHAOS " + scenario + ": sent=" + sent + " answered=" + answered + " failed=" + failed + " lost=" + lost
                    + " duplicated=" + duplicated + " by provider " + providers;
        }
    }

    private Load() {
    }

    /** Sends {@code n} requests; {@code during} runs (on another thread) once a third of them are out. */
    static Tally run(String scenario, int port, int n, int concurrency, Runnable during) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore slots = new Semaphore(concurrency);
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Map<String, Integer> providers = new ConcurrentHashMap<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        CompletableFuture<Void> chaos = null;
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
        for (int i : IntStream.range(0, n).toArray()) {
            if (i == n / 3 && during != null) {
                chaos = CompletableFuture.runAsync(during);
            }
            slots.acquire();
            String id = scenario + "-" + i;
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\":\"" + id
                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"chaos " + i + "\"}]}")).build();
            all.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                slots.release();
                if (e != null) {
                    lost.incrementAndGet();
                    return null;
                }
                try {
                    JsonNode body = Json.MAPPER.readTree(r.body());
                    String got = body.at("/gateway/request_id").asText(null);
                    if (r.statusCode() == 200 && id.equals(got)) {
                        if (seen.merge(id, 1, Integer::sum) == 1) {
                            answered.incrementAndGet();
                        }
                        providers.merge(body.at("/gateway/provider").asText("?"), 1, Integer::sum);
                    } else {
                        failed.incrementAndGet();
                    }
                } catch (Exception parse) {
                    failed.incrementAndGet();
                }
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        if (chaos != null) {
            chaos.get();
        }
        int duplicated = (int) seen.values().stream().filter(c -> c > 1).count();
        Tally t = new Tally(scenario, n, answered.get(), failed.get(), lost.get(), duplicated, new java.util.TreeMap<>(providers));
        System.out.println(t);
        return t;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

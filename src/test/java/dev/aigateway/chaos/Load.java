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
import java.util.function.IntSupplier;
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

    /** What breaks, run beside the load; it is handed the count of requests answered so far to pace itself. */
    interface Chaos {
        void run(IntSupplier answered) throws Exception;
    }

    /** Sends {@code n} requests while {@code chaos} runs on another thread. */
    static Tally run(String scenario, int port, int n, int concurrency, Chaos chaos) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore slots = new Semaphore(concurrency);
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        Map<String, Integer> providers = new ConcurrentHashMap<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
        // a thread of its own: the HTTP client completes its futures on the common pool, which has one thread here
        CompletableFuture<Void> breaking = new CompletableFuture<>();
        Thread chaosThread = new Thread(() -> {
            try {
                chaos.run(answered::get);
                breaking.complete(null);
            } catch (Throwable e) {
                breaking.completeExceptionally(e);
            }
        }, "chaos-" + scenario);
        chaosThread.start();
        for (int i : IntStream.range(0, n).toArray()) {
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
        breaking.get();
        int duplicated = (int) seen.values().stream().filter(c -> c > 1).count();
        Tally t = new Tally(scenario, n, answered.get(), failed.get(), lost.get(), duplicated, new java.util.TreeMap<>(providers));
        System.out.println(t);
        return t;
    }

    /** Waits until at least {@code count} requests are answered: chaos strikes mid-load whatever the machine's speed. */
    static void awaitAnswered(IntSupplier answered, int count) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> answered.getAsInt() >= count);
    }
}

package dev.aigateway.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aigateway.api.Json;
import dev.aigateway.simulator.ProviderSimulator;

/**
 * A fixed number of chat requests, {@code concurrency} at a time, each with its own request_id and its own
 * prompt ("chaos &lt;request_id&gt;"), while a chaos step runs on another thread. Counted:
 * <ul>
 * <li><b>answered</b>: HTTP 200 carrying the same request_id and the answer to <em>that</em> prompt (the
 *     simulated text "Simulated &lt;provider&gt; (…) answering: chaos &lt;request_id&gt;", from the provider the
 *     reply names, or — continued mid-stream — from the provider whose cut answer it finishes) — an empty or foreign answer is no answer;</li>
 * <li><b>failed</b>: any other reply; <b>lost</b>: no reply at all (connection error, timeout);</li>
 * <li><b>duplicated</b>: prompts that the upstreams <em>answered whole</em> more than once, over all providers
 *     of all simulators given, not counting answers of providers the gateway had given up on (late_answers
 *     below). Each such answer is one the provider completed and bills, so two of them mean
 *     the client's request was paid twice (and may have run a tool twice). Not duplicates: a call that failed
 *     or was cut before its answer completed, followed by a fallback or a mid-stream continuation (the
 *     continuation repeats the prompt as its first user message and completes the answer once); a provider
 *     that dies or hangs mid-answer completes nothing. A reply to the client cannot show a duplicate (one
 *     HTTP request gets one reply), so it is counted where it happens: at the upstream
 *     ({@link ProviderSimulator#trackPrompts()});</li>
 * <li><b>late_answers</b>: prompts answered whole more than once where the reply shows the gateway gave up on
 *     the extra provider(s) at a deadline (first-token/read timeout, stall) — the known cost of a timeout that
 *     races with an answer arriving, not a duplicate; printed so a reader sees how often it happens;</li>
 * <li><b>calls</b>: upstream chat calls in all (retries and fallbacks included), printed for the reader.</li>
 * </ul>
 * The chaos step must finish before the last request is answered (else it did not strike mid-load), and a
 * chaos step that throws fails the run. Printed as one CHAOS line per scenario.
 */
final class Load {
    record Tally(String scenario, int sent, int answered, int failed, int lost, int duplicated, int lateAnswers, long calls,
            Map<String, Integer> providers, List<String> firstFailures) {
        @Override
        public String toString() {
            return "CHAOS " + scenario + ": sent=" + sent + " answered=" + answered + " failed=" + failed + " lost=" + lost
                    + " duplicated=" + duplicated + " late_answers=" + lateAnswers + " upstream_calls=" + calls
                    + " by provider " + providers
                    + (firstFailures.isEmpty() ? "" : "; first failures: " + firstFailures);
        }
    }

    private Load() {
    }

    /** What breaks, run beside the load; it is handed the count of requests answered so far to pace itself. */
    interface Chaos {
        void run(IntSupplier answered) throws Exception;
    }

    /**
     * Sends {@code n} requests while {@code chaos} runs on another thread; {@code upstreams} are all the
     * simulators the gateway may call (their prompts are tracked from now on).
     */
    static Tally run(String scenario, int port, int n, int concurrency, List<ProviderSimulator> upstreams, Chaos chaos)
            throws Exception {
        upstreams.forEach(ProviderSimulator::trackPrompts);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore slots = new Semaphore(concurrency);
        Map<String, Integer> providers = new ConcurrentHashMap<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        List<String> firstFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> prompts = new ArrayList<>();
        /** Per prompt answered: how many providers the gateway gave up on at a deadline (see the class comment). */
        Map<String, Integer> gaveUpAtDeadline = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
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
        chaosThread.setDaemon(true);
        chaosThread.start();
        AtomicInteger answeredWhenChaosEnded = new AtomicInteger(-1);
        breaking.whenComplete((v, e) -> answeredWhenChaosEnded.set(answered.get()));
        for (int i = 0; i < n; i++) {
            if (breaking.isCompletedExceptionally()) {
                break; // the chaos step failed: no point loading on; reported below
            }
            slots.acquire();
            String id = scenario + "-" + i;
            String prompt = "chaos " + id;
            prompts.add(prompt);
            HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"request_id\":\"" + id
                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}")).build();
            all.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
                slots.release();
                if (e != null) {
                    lost.incrementAndGet();
                    note(firstFailures, id + ": " + e);
                    return null;
                }
                String provider = answerBy(r, id, prompt);
                gaveUpAtDeadline.put(prompt, deadlines(r));
                if (provider != null) {
                    answered.incrementAndGet();
                    providers.merge(provider, 1, Integer::sum);
                } else {
                    failed.incrementAndGet();
                    note(firstFailures, id + ": " + r.statusCode() + " " + r.body());
                }
                return null;
            }));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        // a chaos step that failed, or never finished, fails the test: it is never swallowed
        breaking.get(30, TimeUnit.SECONDS);
        if (answeredWhenChaosEnded.get() >= n) {
            throw new AssertionError("the chaos of " + scenario + " ended after all " + n + " answers: it did not strike mid-load");
        }
        // an answer is counted upstream once its write succeeded, which can trail the reply by a hair
        java.util.Set<String> sent = java.util.Set.copyOf(prompts);
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> upstreams.stream()
                    .flatMap(sim -> sim.completedByPrompt().keySet().stream()).filter(sent::contains).distinct()
                    .count() >= answered.get());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // reported below as answers the upstreams given did not complete
        }
        Map<String, Long> completed = new java.util.HashMap<>();
        long calls = 0;
        for (ProviderSimulator sim : upstreams) {
            sim.completedByPrompt().forEach((p, by) -> completed.merge(p, (long) by.size(), Long::sum));
            Map<String, Long> callsOf = sim.callsByPrompt();
            for (String p : prompts) {
                calls += callsOf.getOrDefault(p, 0L);
            }
        }
        List<String> twice = prompts.stream()
                .filter(p -> completed.getOrDefault(p, 0L) > 1 + gaveUpAtDeadline.getOrDefault(p, 0)).toList();
        int duplicated = twice.size();
        int late = (int) prompts.stream().filter(p -> completed.getOrDefault(p, 0L) > 1).count() - duplicated;
        Map<String, List<String>> completedBy = new java.util.HashMap<>();
        upstreams.forEach(sim -> sim.completedByPrompt().forEach((p, by) -> completedBy.computeIfAbsent(p, k -> new ArrayList<>()).addAll(by)));
        twice.stream().limit(3).forEach(p -> note(firstFailures, "duplicated '" + p + "': answered whole by " + completedBy.get(p)));
        long answeredUpstream = prompts.stream().filter(p -> completed.getOrDefault(p, 0L) > 0).count();
        if (answeredUpstream < answered.get()) {
            // duplicates would go unseen: some provider the gateway called is not among the upstreams given
            throw new AssertionError(scenario + ": " + answered.get() + " answers, only " + answeredUpstream
                    + " of them completed by the upstreams given");
        }
        Tally t = new Tally(scenario, n, answered.get(), failed.get(), lost.get(), duplicated, late, calls, new TreeMap<>(providers),
                List.copyOf(firstFailures));
        System.out.println(t);
        return t;
    }

    private static void note(List<String> failures, String what) {
        if (failures.size() < 3) {
            failures.add(what.length() > 600 ? what.substring(0, 600) + "…" : what);
        }
    }

    /** Attempts of a reply the gateway gave up on at a deadline: that provider may still complete (and bill) its answer. */
    private static int deadlines(HttpResponse<String> r) {
        try {
            int n = 0;
            for (JsonNode a : Json.MAPPER.readTree(r.body()).at("/gateway/attempts")) {
                String outcome = a.path("outcome").asText();
                if (outcome.contains("timeout") || "stream_stalled".equals(outcome)) {
                    n++;
                }
            }
            return n;
        } catch (Exception notJson) {
            return 0;
        }
    }

    /** The provider (or deployment: openai.us, simulated as openai-us) named by a real answer to {@code prompt} under request id {@code id}, else null. */
    private static String answerBy(HttpResponse<String> r, String id, String prompt) {
        if (r.statusCode() != 200) {
            return null;
        }
        try {
            JsonNode body = Json.MAPPER.readTree(r.body());
            String provider = body.at("/gateway/provider").asText("");
            String content = body.at("/choices/0/message/content").asText("");
            // an answer cut mid-stream and continued by the next provider is the first part's provider's text
            String writer = body.at("/gateway/parts/0/provider").asText(provider);
            boolean real = id.equals(body.at("/gateway/request_id").asText(null)) && !provider.isEmpty()
                    && content.endsWith(" answering: " + prompt)
                    && (content.startsWith("Simulated " + provider.replace('.', '-') + " (")
                            || content.startsWith("Simulated " + writer.replace('.', '-') + " ("));
            return real ? provider : null;
        } catch (Exception notJson) {
            return null;
        }
    }

    /** Waits until at least {@code count} requests are answered: chaos strikes mid-load whatever the machine's speed. */
    static void awaitAnswered(IntSupplier answered, int count) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
                .until(() -> answered.getAsInt() >= count);
    }
}

package dev.aigateway.stream;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatRequest;
import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;
import dev.aigateway.provider.PlainChunk;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.request.GatewayRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One answer as it streams in, possibly from several providers in turn. Lives in the {@link GatewayRequest},
 * shared by reference with the circuit breakers' copies, like the attempt log. It knows what reached the
 * client, so when a provider breaks mid-answer it decides what the next one is asked: the original request,
 * a continuation of the partial answer, or nothing (mode fail, a cut tool call, a client that left).
 * Only the request's own thread touches it.
 */
public final class AnswerStream implements GatewayRequest.Answer {
    private static final Logger LOG = LoggerFactory.getLogger(AnswerStream.class);
    /** Exchange property a chain route sets to continue | restart | fail (a plain property: chain files set it). */
    public static final String MODE = "midStreamFailover";

    private final AnswerSink sink;
    private final AnswerStreams config;
    private final List<Part> parts = new ArrayList<>(2);
    /** The content the client has of the current answer. */
    private final StringBuilder text = new StringBuilder();
    private boolean toolCallSent;
    private boolean started;
    /** The role chunk held until content comes: an ObjectNode or a PlainChunk. */
    private Object heldRole;
    private String id;
    private long created;
    private String abandoned;
    private String abandonedOutcome;
    private ObjectNode failover;
    /** The broken part whose takeover is not counted yet, and its request. */
    private Part pendingFailover;
    private String pendingRequestId;

    AnswerStream(AnswerSink sink, AnswerStreams config) {
        this.sink = sink;
        this.config = config;
    }

    /** The request's answer stream, or null when its answer is read whole. */
    public static AnswerStream of(GatewayRequest request) {
        return (AnswerStream) request.answerStream();
    }

    public AnswerSink sink() {
        return sink;
    }

    public AnswerStreams config() {
        return config;
    }

    /**
     * The request {@code provider} gets: the original one while nothing was delivered, else according to the
     * chain's mid-stream mode.
     *
     * @throws StreamAbandonedException when no provider may take the answer over
     */
    public ChatRequest requestFor(String provider, boolean prefill, ChatRequest original, String chainMode) {
        if (sink.gone()) {
            clientGone();
        }
        if (abandoned != null) {
            throw new StreamAbandonedException(abandonedOutcome, abandoned);
        }
        if (text.isEmpty() && !toolCallSent) {
            return original;
        }
        MidStreamMode mode = config.mode(chainMode);
        Part broken = parts.get(parts.size() - 1);
        failover = Json.object().put("from", broken.provider).put("to", provider).put("reason", broken.outcome)
                .put("after_chars", text.length()).put("mode", toolCallSent ? "tool_call" : mode.label());
        pendingFailover = broken;
        pendingRequestId = original.requestId();
        if (toolCallSent) {
            if (sink.live()) {
                abandon("tool_call_cut", broken.provider + " broke the stream inside a tool call ("
                        + broken.outcome + "); tool-call deltas are never spliced, so no provider continues it: retry the request");
            }
            restart(provider, "a tool call was cut");
            return original;
        }
        if (mode == MidStreamMode.FAIL && sink.live()) {
            abandon("mid_stream_failed", broken.provider + " broke the stream after " + text.length()
                    + " characters (" + broken.outcome + ") and this chain's midStreamFailover is fail");
        }
        if (mode != MidStreamMode.CONTINUE) {
            restart(provider, "mode " + mode.label());
            return original;
        }
        return Continuations.request(original, text.toString(), prefill, config.instruction());
    }

    /** The client left: no provider is called for it any more. */
    StreamAbandonedException clientGone() {
        if (abandoned == null) {
            abandoned = "the client closed the stream";
            abandonedOutcome = "client_closed";
        }
        throw new StreamAbandonedException(abandonedOutcome, abandoned);
    }

    /** A write the client could not take ends the answer as the client's doing: no provider is blamed or called. */
    private void toClient(Runnable write) {
        try {
            write.run();
        } catch (StreamAbandonedException lost) {
            clientGone();
        }
    }

    private void abandon(String outcome, String message) {
        if (failover != null) {
            failover.put("to", (String) null);
            recordFailover("none");
        }
        abandoned = message;
        abandonedOutcome = outcome;
        throw new StreamAbandonedException(outcome, message);
    }

    private void restart(String provider, String reason) {
        ObjectNode marker = null;
        if (sink.live()) {
            marker = chunkShell();
            marker.putArray("choices").addObject().put("index", 0).putObject("delta");
            marker.putObject("gateway").put("event", "restart").put("provider", provider)
                    .put("discarded_chars", text.length()).put("reason", reason);
        }
        ObjectNode restartMarker = marker;
        toClient(() -> sink.restart(restartMarker));
        text.setLength(0);
        toolCallSent = false;
    }

    /** Counts and logs a mid-stream failover once, when it is clear who took over (or that nobody did). */
    private void recordFailover(String to) {
        if (pendingFailover == null) {
            return;
        }
        Part broken = pendingFailover;
        pendingFailover = null;
        String mode = failover.path("mode").asText();
        config.metrics().midStreamFailover(broken.provider, to, broken.outcome, mode);
        LOG.info("Mid-stream failover of request {}: {} broke the answer after {} chars ({}); {} ({}{})",
                pendingRequestId, broken.provider, failover.path("after_chars").asInt(), broken.outcome,
                "none".equals(to) ? "nobody takes over" : to + " takes over", "tool_call".equals(mode)
                        ? "cut inside a tool call" : "mode " + mode, sink.live() ? ", live stream" : "");
    }

    /** A provider's stream starts. */
    public Part begin(ProviderSettings provider, long requestBytes) {
        recordFailover(provider.name());
        Part p = new Part(provider, requestBytes, !text.isEmpty());
        parts.add(p);
        return p;
    }

    /** A chunk with no content (the role announcement): held until the first content, dropped after it. */
    public void preamble(ObjectNode chunk) {
        adoptId(chunk);
        if (!started) {
            heldRole = chunk;
        }
    }

    /** {@link #preamble(ObjectNode)} for a chunk read without a tree. */
    public void preamble(PlainChunk chunk) {
        adoptId(chunk.id(), chunk.created());
        if (!started) {
            heldRole = chunk;
        }
    }

    /** A chunk with content (text, tool call, reasoning): to the client now. */
    public void content(Part part, ObjectNode chunk, String delta, boolean toolCall) {
        adoptId(chunk);
        String added = delta;
        if (continuationStart(part, delta)) {
            // a prefill is sent without its trailing space; the continuation brings it back: keep one
            added = delta.stripLeading();
            ((ObjectNode) chunk.path("choices").path(0).path("delta")).put("content", added);
        }
        deliver(part, added, toolCall, !added.isEmpty() || toolCall || carriesMoreThanText(chunk),
                () -> sink.chunk(rewrite(chunk)));
    }

    /**
     * A text chunk read without a tree: to the client as the provider wrote it when nothing in it changes (the
     * answer's id and created are its own, it does not start a continuation); else through the tree.
     */
    public void content(Part part, PlainChunk chunk) {
        adoptId(chunk.id(), chunk.created());
        if (continuationStart(part, chunk.content()) || !ownId(chunk)) {
            content(part, chunk.tree(), chunk.content(), false);
            return;
        }
        deliver(part, chunk.content(), false, !chunk.content().isEmpty(), () -> sink.chunk(chunk));
    }

    /** Sends what is held for the client (a sink may gather the chunks of one provider read into one write). */
    public void flush() {
        toClient(sink::flush);
    }

    private boolean continuationStart(Part part, String delta) {
        return part.continuation && part.contentChunks == 0 && !delta.isEmpty() && endsWithSpace(text)
                && Character.isWhitespace(delta.charAt(0));
    }

    private boolean ownId(PlainChunk chunk) {
        return id.equals(chunk.id()) && created == chunk.created();
    }

    private void deliver(Part part, String added, boolean toolCall, boolean send, Runnable write) {
        part.contentChunks++;
        if (!started) {
            started = true;
            toClient(() -> sink.start(part.provider));
            if (heldRole instanceof ObjectNode role) {
                toClient(() -> sink.chunk(rewrite(role)));
            } else if (heldRole instanceof PlainChunk role) {
                toClient(() -> {
                    if (ownId(role)) {
                        sink.chunk(role);
                    } else {
                        sink.chunk(rewrite(role.tree()));
                    }
                });
            }
        }
        if (send) {
            toClient(write);
        }
        text.append(added);
        part.text.append(added);
        toolCallSent |= toolCall;
    }

    /** The part ended well: the answer is complete. */
    public ChatResult succeeded(Part part, String finishReason, long latencyMs) {
        part.outcome = "ok";
        part.finishReason = finishReason;
        config.metrics().usage(part.provider, part.model, part.promptTokens(), part.completionTokens(), part.cost());
        long prompt = 0;
        long completion = 0;
        double cost = 0;
        for (Part p : parts) {
            prompt += p.promptTokens();
            completion += p.completionTokens();
            cost += p.cost();
        }
        ObjectNode completionBody = sink instanceof AnswerCollector c
                ? c.completion(id != null ? id : "chatcmpl-gateway", created, part.model, finishReason, prompt, completion)
                : null;
        return new ChatResult(part.provider, part.model, completionBody, prompt, completion, cost, finishReason, latencyMs);
    }

    /** The part broke; what reached the client stays, and the next provider takes over (or not). */
    public void failed(Part part, String outcome) {
        part.outcome = outcome;
        // a broken stream is billed for what it sent
        config.metrics().usage(part.provider, part.model, part.promptTokens(), part.completionTokens(), part.cost());
    }

    /** The chunk that ends a live stream, carrying the finish reason and the gateway's account of the answer. */
    public ObjectNode finishChunk(String finishReason, ObjectNode gateway) {
        ObjectNode chunk = chunkShell();
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.putObject("delta");
        choice.put("finish_reason", finishReason);
        chunk.set("gateway", gateway);
        return chunk;
    }

    /** The usage chunk of a live stream ({@code stream_options.include_usage}): every provider's tokens. */
    public ObjectNode usageChunk(ChatResult result) {
        ObjectNode chunk = chunkShell();
        chunk.putArray("choices");
        chunk.putObject("usage").put("prompt_tokens", result.promptTokens())
                .put("completion_tokens", result.completionTokens())
                .put("total_tokens", result.promptTokens() + result.completionTokens());
        return chunk;
    }

    /** Adds what streaming did to the {@code gateway} object of a reply: the parts and any mid-stream failover. */
    public void describe(ObjectNode gateway) {
        gateway.put("streamed", true);
        if (failover != null) {
            gateway.set("mid_stream_failover", failover);
        }
        var array = gateway.putArray("parts");
        boolean estimated = false;
        for (Part p : parts) {
            if (p.contentChunks == 0) {
                continue;
            }
            array.addObject().put("provider", p.provider).put("model", p.model).put("outcome", p.outcome)
                    .put("chars", p.text.length()).put("prompt_tokens", p.promptTokens())
                    .put("completion_tokens", p.completionTokens()).put("cost_usd", p.cost());
            estimated |= p.estimated();
        }
        if (estimated) {
            gateway.put("usage_estimated", true);
        }
    }

    /**
     * What every provider's part of this answer used, whether it answered, broke, was continued by another or
     * was left by its client: what the request's gateway key is charged. Tokens a part did not report are
     * estimated ({@link Usage#estimated}).
     */
    public Usage usage() {
        long prompt = 0;
        long completion = 0;
        double cost = 0;
        boolean estimated = false;
        for (Part p : parts) {
            prompt += p.promptTokens();
            completion += p.completionTokens();
            cost += p.cost();
            estimated |= p.estimated();
        }
        return new Usage(parts.size(), prompt, completion, cost, estimated);
    }

    /** Tokens and cost over every part of an answer; {@code estimated} when some part did not report its usage. */
    public record Usage(int parts, long promptTokens, long completionTokens, double costUsd, boolean estimated) {
    }

    /** The text the client got of the answer (what a stored streamed reply replays). */
    public String sentText() {
        return text.toString();
    }

    /** True when a tool-call delta reached the client (such an answer is not rebuilt from its text). */
    public boolean sentToolCall() {
        return toolCallSent;
    }

    /** True when content reached the client (errors then travel as an event, not as a status). */
    public boolean started() {
        return started;
    }

    /** Why no provider took the answer over, or null. */
    public String abandoned() {
        return abandoned;
    }

    /** client_closed | mid_stream_failed | tool_call_cut when no provider took over, else null. */
    public String abandonedOutcome() {
        return abandonedOutcome;
    }

    /** True while a provider is being asked to continue a partial answer. */
    public boolean continuing() {
        return !text.isEmpty();
    }

    public ObjectNode failover() {
        return failover;
    }

    private ObjectNode chunkShell() {
        ObjectNode c = Json.object();
        c.put("id", id != null ? id : "chatcmpl-gateway").put("object", "chat.completion.chunk").put("created", created)
                .put("model", parts.isEmpty() ? "" : parts.get(parts.size() - 1).model);
        return c;
    }

    private void adoptId(ObjectNode chunk) {
        if (id == null && !chunk.path("id").asText("").isEmpty()) { // Azure's filter chunks have an empty id
            id = chunk.get("id").asText();
            created = chunk.path("created").asLong(System.currentTimeMillis() / 1000);
        }
    }

    private void adoptId(String chunkId, long chunkCreated) {
        if (id == null) { // a PlainChunk always has an id and created
            id = chunkId;
            created = chunkCreated;
        }
    }

    /** One id and creation time for the whole answer, whoever wrote the chunk; the model says who did. */
    private ObjectNode rewrite(ObjectNode chunk) {
        if (id != null) {
            chunk.put("id", id).put("created", created);
        }
        return chunk;
    }

    private static boolean endsWithSpace(CharSequence s) {
        return !s.isEmpty() && Character.isWhitespace(s.charAt(s.length() - 1));
    }

    /** Reasoning, refusal or tool-call deltas count as content even when the text part is empty. */
    static boolean carriesMoreThanText(ObjectNode chunk) {
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        for (var it = delta.fields(); it.hasNext();) {
            var f = it.next();
            JsonNode v = f.getValue();
            if (!"role".equals(f.getKey()) && !"content".equals(f.getKey()) && !v.isNull()
                    && !(v.isTextual() && v.asText().isEmpty())) {
                return true;
            }
        }
        return false;
    }

    /** One provider's share of the answer. */
    public static final class Part {
        final String provider;
        final String model;
        final boolean continuation;
        final ProviderSettings settings;
        final long requestBytes;
        final StringBuilder text = new StringBuilder();
        int contentChunks;
        long reportedPrompt = -1;
        long reportedCompletion = -1;
        String outcome = "streaming";
        String finishReason;

        Part(ProviderSettings settings, long requestBytes, boolean continuation) {
            this.settings = settings;
            this.provider = settings.name();
            this.model = settings.model();
            this.requestBytes = requestBytes;
            this.continuation = continuation;
        }

        /** Usage as the provider reported it (-1: not reported). */
        public void usage(long prompt, long completion) {
            if (prompt >= 0) {
                reportedPrompt = prompt;
            }
            if (completion >= 0) {
                reportedCompletion = completion;
            }
        }

        public String provider() {
            return provider;
        }

        public int contentChunks() {
            return contentChunks;
        }

        /** Reported, else about 4 bytes of request per token: a cut stream rarely reports usage, yet it is billed. */
        long promptTokens() {
            return reportedPrompt >= 0 ? reportedPrompt : contentChunks == 0 ? 0 : Math.max(1, requestBytes / 4);
        }

        /** Reported, else one token per content chunk (what providers stream). */
        long completionTokens() {
            return reportedCompletion >= 0 ? reportedCompletion : contentChunks;
        }

        boolean estimated() {
            return contentChunks > 0 && (reportedPrompt < 0 || reportedCompletion < 0);
        }

        double cost() {
            return settings.cost(promptTokens(), completionTokens());
        }
    }
}

package dev.aigateway.request;

import org.apache.camel.Exchange;

import dev.aigateway.api.ChatRequest;

/**
 * Everything one client request carries through the routes, under the single exchange property
 * {@value #PROPERTY}: the validated request, the caller's gateway key, the attempt log, the answer stream,
 * the chain chosen (and why), the deadline, and what the Kafka ingress keeps of a request record.
 * Created by the first ingress step that asks for it ({@link #of}); the circuit breakers' copies of the
 * exchange share it by reference, like the attempt log inside it. Flags of one provider call (bytes sent,
 * prefill, call again, key used, health bypass) stay plain properties of the copy that makes the call.
 * Written by the request's own thread at ingress and chain selection; read afterwards.
 *
 * <p>It depends on no bean package: the key and the answer stream are held behind the narrow types
 * {@link Key} and {@link Answer}, which {@code auth.GatewayKey} and {@code stream.AnswerStream} implement.
 */
public final class GatewayRequest {
    /**
     * The one exchange property of a client request. Routes never read into it with a simple OGNL path
     * ({@code ${exchangeProperty.gateway.x}}): Camel introspects the class on every such evaluation, which
     * halved the gateway's throughput; the two values routes test are plain properties (LiveChains.ENDPOINT,
     * ProviderCall.STREAMED).
     */
    public static final String PROPERTY = "gateway";

    /** What the request path (beyond auth) asks of the caller's gateway key. */
    public interface Key {
        String id();

        boolean allowsModel(String model);
    }

    /** The request's answer stream (stream.AnswerStream); only the stream package looks inside. */
    public interface Answer {
    }

    /** Where a Kafka request record came from; kept aside because the chain replaces the message headers. */
    public record Origin(Object key, String topic, Object partition, Object offset) {
    }

    private ChatRequest chatRequest;
    private Key key;
    private AttemptLog attempts;
    private Answer answerStream;
    private String chain;
    private String routeReason;
    private long deadlineNanos;
    private boolean budgetStepDown;
    private boolean unaccounted;
    // the Kafka ingress: the record as consumed, and where its reply goes
    private byte[] originalRecord;
    private Origin origin;
    private String replyTopic;
    private String requestId;
    private String sessionId;
    // fallback rules (chain.FallbackRules): what earlier steps of the chain learnt about this request
    private long overflowedWindow;
    /** Size of the request body as received (a token spans at least one byte: a bound before counting). */
    private int bodyBytes = -1;
    private long promptTokens = -1;
    private Object lastRefusal;
    private Object stoppedWith;
    /** POST /v1/embeddings (or a Kafka record with "endpoint": "embeddings"): the chat request's body holds its input. */
    private boolean embeddings;

    /** This exchange's request, created (and set) when the exchange has none yet. */
    public static GatewayRequest of(Exchange exchange) {
        GatewayRequest request = exchange.getProperty(PROPERTY, GatewayRequest.class);
        if (request == null) {
            request = new GatewayRequest();
            exchange.setProperty(PROPERTY, request);
        }
        return request;
    }

    /** The validated request, or null before the ingress has read it (or when it was refused). */
    public ChatRequest chatRequest() {
        return chatRequest;
    }

    public void setChatRequest(ChatRequest chatRequest) {
        this.chatRequest = chatRequest;
    }

    /** The caller's gateway key, or null when gateway.auth is off (or before authentication). */
    public Key key() {
        return key;
    }

    public void setKey(Key key) {
        this.key = key;
    }

    /** The providers tried so far, or null before the ingress started the log. */
    public AttemptLog attempts() {
        return attempts;
    }

    public void setAttempts(AttemptLog attempts) {
        this.attempts = attempts;
    }

    /** The answer stream (a streamed answer, or stream.internal), or null for an answer read whole. */
    public Answer answerStream() {
        return answerStream;
    }

    public void setAnswerStream(Answer answerStream) {
        this.answerStream = answerStream;
    }

    /** The chain serving the request, or null before it was selected. */
    public String chain() {
        return chain;
    }

    /** Why this chain: default-chain, x-gateway-chain, body chain, require_expensive_model. */
    public String routeReason() {
        return routeReason;
    }

    public void selectChain(String chain, String reason) {
        this.chain = chain;
        this.routeReason = reason;
    }

    /** The key has spent gateway.auth.budget-step-down of its monthly budget: model auto takes the budget chain. */
    public boolean budgetStepDown() {
        return budgetStepDown;
    }

    public void setBudgetStepDown(boolean budgetStepDown) {
        this.budgetStepDown = budgetStepDown;
    }

    /** When the request must be answered (System.nanoTime), 0 when it has no deadline. */
    public long deadlineNanos() {
        return deadlineNanos;
    }

    public void setDeadlineNanos(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** Milliseconds left before the deadline (0 once it has passed); Long.MAX_VALUE when there is none. */
    public long remainingMs() {
        if (deadlineNanos == 0) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    /** True once the request's deadline has passed: no provider may be called any more. */
    public boolean deadlinePassed() {
        return deadlineNanos != 0 && System.nanoTime() - deadlineNanos >= 0;
    }

    /** The request was admitted by its key: it is to be charged, once (see {@link #chargeOnce}). */
    public void admitted() {
        unaccounted = true;
    }

    /** True the first time after {@link #admitted}, false ever after: a request is charged once. */
    public boolean chargeOnce() {
        boolean charge = unaccounted;
        unaccounted = false;
        return charge;
    }

    public byte[] originalRecord() {
        return originalRecord;
    }

    public Origin origin() {
        return origin;
    }

    /** Kafka: the record as consumed (bytes and origin), kept for its dead letter and reply key. */
    public void setRecord(byte[] originalRecord, Origin origin) {
        this.originalRecord = originalRecord;
        this.origin = origin;
    }

    /** Kafka: the topic of the reply, or null before the record was read. */
    public String replyTopic() {
        return replyTopic;
    }

    public void setReplyTopic(String replyTopic) {
        this.replyTopic = replyTopic;
    }

    /**
     * Kafka: the request_id a reply echoes (given or derived), null when it was not a valid identifier.
     * HTTP: the id the client chose (body request_id or header idempotency-key), null when it chose none.
     */
    public String requestId() {
        return requestId;
    }

    public void setRequestId(String requestId) {
        this.requestId = requestId;
    }

    /** Kafka: the session_id a reply echoes, when valid. */
    public String sessionId() {
        return sessionId;
    }

    public void setSessionId(String sessionId) {
        this.sessionId = sessionId;
    }

    public void setBodyBytes(int bytes) {
        this.bodyBytes = bytes;
    }

    /**
     * True when the prompt alone cannot fit {@code window} tokens. Counted (o200k_base, once per request) only when
     * the body as received is at least that many bytes: every token spans one byte or more, so a smaller body fits.
     */
    public boolean promptExceeds(long window) {
        int bytes = bodyBytes >= 0 ? bodyBytes : originalRecord != null ? originalRecord.length : -1;
        if (window <= 0 || chatRequest == null || embeddings || bytes >= 0 && bytes < window) {
            return false;
        }
        if (promptTokens < 0) {
            promptTokens = dev.aigateway.api.PromptTokens.count(chatRequest);
        }
        return promptTokens >= window;
    }

    /** The prompt's token count when {@link #promptExceeds} had to count it; -1 otherwise. */
    public long promptTokens() {
        return promptTokens;
    }

    /** The largest context window (tokens) a provider said this request overflowed; 0 when none did. */
    public long overflowedWindow() {
        return overflowedWindow;
    }

    public void overflowed(long window) {
        overflowedWindow = Math.max(overflowedWindow, Math.max(window, 1));
    }

    /** The last content-policy refusal (a result or a rejection) passed over; the client's answer if all fail. */
    public Object lastRefusal() {
        return lastRefusal;
    }

    public void setLastRefusal(Object refusal) {
        this.lastRefusal = refusal;
    }

    /** An error that does not fall back (gateway.fallback-on): the chain calls no one else and answers with it. */
    public Object stoppedWith() {
        return stoppedWith;
    }

    public void stopWith(Object answer) {
        this.stoppedWith = answer;
    }

    /** True for an embeddings request: it goes to an embeddings chain, and each provider call asks for vectors. */
    public boolean embeddings() {
        return embeddings;
    }

    public void setEmbeddings(boolean embeddings) {
        this.embeddings = embeddings;
    }
}

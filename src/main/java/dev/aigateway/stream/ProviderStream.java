package dev.aigateway.stream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.ChatResult;
import dev.aigateway.api.Json;
import dev.aigateway.provider.ProviderAdapter;
import dev.aigateway.provider.PlainChunk;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.provider.StreamEvent;
import dev.aigateway.provider.StreamFraming;
import dev.aigateway.provider.StreamParser;

/**
 * Reads one provider's streamed answer into the request's {@link AnswerStream}, event by event, under the
 * watchdog. A stream only succeeds with a finish reason: one that ends without it, stalls, sends a
 * malformed event or an error event, or brings no content in time is broken, and the chain falls back.
 */
public final class ProviderStream {
    private ProviderStream() {
    }

    /**
     * @throws StreamBrokenException     when the stream fails (the connection is dropped, never drained)
     * @throws StreamAbandonedException  when the client left while it was being read
     */
    public static ChatResult relay(AnswerStream answer, ProviderSettings settings, ProviderAdapter adapter,
            InputStream body, long requestBytes, long startedNanos, long deadlineNanos) {
        AnswerStreams config = answer.config();
        AnswerStream.Part part = answer.begin(settings, requestBytes);
        StreamWatchdog.Watched in = config.watchdog().watch(body, startedNanos, config.firstTokenTimeoutMs(), config.idleTimeoutMs(),
                deadlineNanos, answer.sink()::gone);
        StreamParser parser = adapter.streamParser(settings);
        if (!answer.sink().takesPlain()) {
            parser.treesOnly();
        }
        String finish = null;
        try {
            // the chunks of one read from the provider go to the client in one write, made before a read that may wait
            InputStream source = new FlushingInput(in, answer);
            EventReader reader = adapter.streamFraming() == StreamFraming.AWS_EVENT_STREAM ? new AwsEventStreamReader(source)
                    : new SseReader(source);
            SseReader.Event e;
            while ((e = reader.next()) != null) {
                StreamEvent ev;
                try {
                    ev = parser.parse(e.name(), e.data());
                } catch (IOException malformed) {
                    throw broken(answer, part, in, "stream_malformed", "malformed event: " + malformed.getMessage());
                }
                if (ev.error() != null) {
                    throw broken(answer, part, in, "stream_error", "error event: " + ev.error());
                }
                part.usage(ev.promptTokens(), ev.completionTokens());
                if (ev.hasChunk()) {
                    PlainChunk plain = ev.plain();
                    if (hasContent(ev)) {
                        in.contentArrived();
                        if (ev.finishReason() != null) {
                            // the gateway writes the finish chunk itself, once, at the very end
                            ObjectNode chunk = ev.chunk();
                            ((ObjectNode) chunk.path("choices").path(0)).putNull("finish_reason");
                            answer.content(part, chunk, ev.text(), ev.toolCall());
                        } else if (plain != null) {
                            answer.content(part, plain);
                        } else {
                            answer.content(part, ev.chunk(), ev.text(), ev.toolCall());
                        }
                    } else if (ev.finishReason() == null) {
                        if (plain != null) {
                            answer.preamble(plain);
                        } else {
                            answer.preamble(ev.chunk());
                        }
                    }
                }
                if (ev.finishReason() != null) {
                    finish = ev.finishReason();
                }
                if (ev.done()) {
                    break;
                }
            }
        } catch (StreamAbandonedException clientLost) {
            // writing to the client failed: the stream is dropped, billed for what it sent, and not the provider's fault
            in.abort("client_closed");
            answer.failed(part, "client_closed");
            throw clientLost;
        } catch (IOException io) {
            String reason = in.abortReason();
            if ("client_closed".equals(reason)) {
                answer.failed(part, reason);
                throw answer.clientGone();
            }
            if (reason == null) {
                reason = io instanceof SocketTimeoutException ? (part.contentChunks() == 0 ? "first_token_timeout"
                        : "stream_stalled") : "stream_cut";
            }
            throw broken(answer, part, in, reason, describe(reason, part, config, io));
        } finally {
            in.close();
        }
        if (in.timeToFirstContentMs() >= 0) {
            config.metrics().timeToFirstToken(settings.name(), in.timeToFirstContentMs());
        }
        if (finish == null) {
            throw broken(answer, part, in, "stream_truncated", "the stream ended after " + part.contentChunks()
                    + " chunks without a finish reason");
        }
        return answer.succeeded(part, finish, (System.nanoTime() - startedNanos) / 1_000_000);
    }

    /**
     * A provider that answered a streamed request with a whole completion (some OpenAI-compatible servers
     * ignore {@code stream}): its answer goes out as one chunk.
     */
    public static ChatResult relayWhole(AnswerStream answer, ProviderSettings settings, ChatResult whole,
            long requestBytes, long startedNanos) {
        AnswerStream.Part part = answer.begin(settings, requestBytes);
        part.usage(whole.promptTokens(), whole.completionTokens());
        ObjectNode completion = whole.completion();
        JsonNode message = completion.path("choices").path(0).path("message");
        ObjectNode chunk = Json.object().put("id", completion.path("id").asText("chatcmpl-gateway"))
                .put("object", "chat.completion.chunk").put("created", completion.path("created").asLong())
                .put("model", whole.model());
        ObjectNode delta = chunk.putArray("choices").addObject().put("index", 0).putObject("delta");
        String text = message.path("content").asText("");
        delta.put("role", "assistant").put("content", text);
        if (message.get("tool_calls") instanceof ArrayNode calls) {
            ArrayNode indexed = delta.putArray("tool_calls");
            for (int i = 0; i < calls.size(); i++) {
                indexed.add(((ObjectNode) calls.get(i).deepCopy()).put("index", i));
            }
        }
        try {
            answer.content(part, chunk, text, delta.has("tool_calls"));
        } catch (StreamAbandonedException clientLost) {
            answer.failed(part, "client_closed");
            throw clientLost;
        }
        return answer.succeeded(part, whole.finishReason(), (System.nanoTime() - startedNanos) / 1_000_000);
    }

    private static boolean hasContent(StreamEvent ev) {
        // a plain chunk's delta is text only (PlainChunk.read)
        return !ev.text().isEmpty() || ev.toolCall() || ev.plain() == null && AnswerStream.carriesMoreThanText(ev.chunk());
    }

    private static StreamBrokenException broken(AnswerStream answer, AnswerStream.Part part, StreamWatchdog.Watched in,
            String outcome, String message) {
        in.abort(outcome);
        try {
            answer.flush(); // what this provider sent reaches the client before the next one is asked
        } catch (StreamAbandonedException clientLost) {
            // the client left: the chain learns it from the answer stream when it asks the next provider
        }
        answer.failed(part, outcome);
        return new StreamBrokenException(outcome, message);
    }

    /**
     * The provider's body, read through: before a read that may wait (nothing left in the HTTP client's buffer),
     * what the client has pending is sent, so chunks that came together go out together and none waits for the
     * provider's next bytes.
     */
    private static final class FlushingInput extends FilterInputStream {
        private final AnswerStream answer;

        FlushingInput(InputStream in, AnswerStream answer) {
            super(in);
            this.answer = answer;
        }

        @Override
        public int read() throws IOException {
            beforeRead();
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            beforeRead();
            return super.read(b, off, len);
        }

        private void beforeRead() throws IOException {
            if (in.available() <= 0) {
                answer.flush();
            }
        }

        @Override
        public void close() {
            // the relay closes the watched stream itself
        }
    }

    private static String describe(String reason, AnswerStream.Part part, AnswerStreams config, IOException io) {
        String after = " after " + part.contentChunks() + " content chunks";
        return switch (reason) {
            case "first_token_timeout" -> "no content within " + config.firstTokenTimeoutMs() + " ms (stream.first-token-timeout)";
            case "stream_stalled" -> "the stream stalled for " + config.idleTimeoutMs() + " ms (stream.idle-timeout)" + after;
            case "deadline_exceeded" -> "the request's deadline passed (gateway.request-timeout, x-gateway-timeout-ms)" + after;
            default -> "the stream was cut" + after + ": " + io.getClass().getSimpleName()
                    + (io.getMessage() != null ? " " + io.getMessage() : "");
        };
    }
}

package dev.aigateway.provider;

import java.util.Locale;

/** How a provider frames a streamed answer; the gateway reads it with the matching reader (stream package). */
public enum StreamFraming {
    /** Server-Sent Events ({@code data:} lines): OpenAI, Anthropic, Gemini's {@code alt=sse}. */
    SSE("text/event-stream"),
    /** AWS event-stream binary frames (prelude, headers, payload, CRCs): Bedrock ConverseStream. */
    AWS_EVENT_STREAM("application/vnd.amazon.eventstream");

    private final String contentType;

    StreamFraming(String contentType) {
        this.contentType = contentType;
    }

    /** True when a response's Content-Type says the body is a stream in this framing. */
    public boolean matches(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(this.contentType);
    }
}

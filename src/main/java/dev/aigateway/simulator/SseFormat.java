package dev.aigateway.simulator;

import io.vertx.core.buffer.Buffer;

/**
 * One API's Server-Sent Events for a streamed answer, as whole SSE frames (each ending in a blank line).
 * {@link SseAnswer} decides when each is written and where a fault cuts in.
 */
interface SseFormat {

    /** Everything before the first content piece (not counted by {@code after_chunks}). */
    String opening();

    /** One content piece: a text delta or a fragment of tool-call arguments. */
    String piece(String piece);

    /** Everything after the last piece, up to the API's end-of-stream marker. */
    String closing();

    /** A frame whose JSON breaks off (fault "malformed"). */
    String malformed();

    /** The API's in-band error after HTTP 200 (fault "error-event"). */
    String errorEvent();

    /** The stream's Content-Type. */
    default String contentType() {
        return "text/event-stream";
    }

    /** The bytes written for some frames: their UTF-8 text, or a binary framing (Bedrock's event stream). */
    default Buffer encode(String frames) {
        return Buffer.buffer(frames);
    }
}

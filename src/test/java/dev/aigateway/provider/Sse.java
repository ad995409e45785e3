package dev.aigateway.provider;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.aigateway.stream.SseReader;

/** Reads recorded SSE fixtures with the gateway's own {@link SseReader}, and sums up the parsed events. */
final class Sse {
    private Sse() {
    }

    /** A fixture file's events, each read by {@code parser} in order. */
    static List<StreamEvent> read(String fixture, StreamParser parser) throws IOException {
        List<StreamEvent> out = new ArrayList<>();
        SseReader reader = new SseReader(new ByteArrayInputStream(Fixtures.bytes(fixture)));
        for (SseReader.Event e = reader.next(); e != null; e = reader.next()) {
            out.add(parser.parse(e.name(), e.data()));
        }
        return out;
    }

    static String text(List<StreamEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.forEach(e -> sb.append(e.text()));
        return sb.toString();
    }

    /** The tool-call arguments of all chunks for OpenAI tool-call index {@code index}, concatenated. */
    static String arguments(List<StreamEvent> events, int index) {
        StringBuilder sb = new StringBuilder();
        for (StreamEvent e : events) {
            if (e.chunk() == null) {
                continue;
            }
            for (var call : e.chunk().at("/choices/0/delta/tool_calls")) {
                if (call.path("index").asInt(0) == index) {
                    sb.append(call.at("/function/arguments").asText(""));
                }
            }
        }
        return sb.toString();
    }

    /** The last event that reports the token count (they are cumulative). */
    static long last(List<StreamEvent> events, java.util.function.ToLongFunction<StreamEvent> tokens) {
        long v = -1;
        for (StreamEvent e : events) {
            if (tokens.applyAsLong(e) >= 0) {
                v = tokens.applyAsLong(e);
            }
        }
        return v;
    }
}

package dev.aigateway.provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a recorded SSE stream into events the way a browser's EventSource does (WHATWG "event stream
 * interpretation"): a blank line dispatches, {@code :} lines are comments, one optional space after the colon is
 * dropped, data lines are joined with '\n', an event without data is not dispatched, an unfinished last event is
 * discarded.
 */
final class Sse {
    record Event(String event, String data) {
    }

    private Sse() {
    }

    static List<Event> parse(String stream) {
        List<Event> events = new ArrayList<>();
        String event = null;
        StringBuilder data = null;
        for (String line : stream.split("\r\n|\r|\n", -1)) {
            if (line.isEmpty()) {
                if (data != null) {
                    events.add(new Event(event, data.toString()));
                }
                event = null;
                data = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            if ("event".equals(field)) {
                event = value;
            } else if ("data".equals(field)) {
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
        }
        return events;
    }

    /** A fixture file's events, each read by {@code parser} in order. */
    static List<StreamEvent> read(String fixture, StreamParser parser) throws IOException {
        List<StreamEvent> out = new ArrayList<>();
        for (Event e : parse(new String(Fixtures.bytes(fixture), StandardCharsets.UTF_8))) {
            out.add(parser.parse(e.event(), e.data()));
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

package dev.aigateway.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Splits a provider's {@code text/event-stream} body into events, per the SSE rules: a blank line ends an
 * event, {@code event:} and {@code data:} fields (one optional space after the colon), several data lines
 * joined by '\n', comment lines ({@code : keep-alive}) dropped, one leading byte order mark dropped. An
 * event not ended by a blank line when the body ends was cut off: it is not returned.
 */
public final class SseReader implements EventReader {
    /** One event: its name (null when it had no {@code event:} line) and its data. */
    public record Event(String name, String data) {
    }

    private final BufferedReader reader;
    private boolean firstLine = true;

    public SseReader(InputStream in) {
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 4096);
    }

    /** The next event, or null at the end of the body. */
    @Override
    public Event next() throws IOException {
        String name = null;
        // one data line is the usual event: it stays the line's String; a second one starts a builder
        String data = null;
        StringBuilder lines = null;
        String line;
        while ((line = reader.readLine()) != null) {
            if (firstLine) {
                firstLine = false;
                // a BOM would make the first field "\uFEFFdata" and lose the first event
                if (line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
            }
            if (line.isEmpty()) {
                if (data != null) {
                    return new Event(name, lines != null ? lines.toString() : data);
                }
                name = null; // an event without data is dispatched as nothing
                continue;
            }
            if (line.charAt(0) == ':') {
                continue;
            }
            String field;
            String value;
            if (line.startsWith("data:")) { // the usual line: no search for the colon
                field = "data";
                value = line.length() > 5 && line.charAt(5) == ' ' ? line.substring(6) : line.substring(5);
            } else {
                int colon = line.indexOf(':');
                field = colon < 0 ? line : line.substring(0, colon);
                value = colon < 0 ? "" : line.substring(colon + 1 < line.length() && line.charAt(colon + 1) == ' '
                        ? colon + 2 : colon + 1);
            }
            if ("data".equals(field)) {
                if (data == null) {
                    data = value;
                } else {
                    if (lines == null) {
                        lines = new StringBuilder(data);
                    }
                    lines.append('\n').append(value);
                }
            } else if ("event".equals(field)) {
                name = value;
            }
        }
        return null;
    }
}

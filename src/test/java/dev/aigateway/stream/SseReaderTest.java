package dev.aigateway.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.aigateway.stream.SseReader.Event;

/** The gateway's SSE splitter against the WHATWG event-stream rules, byte by byte where it matters. */
class SseReaderTest {

    static List<Event> read(InputStream in) throws IOException {
        SseReader reader = new SseReader(in);
        List<Event> out = new ArrayList<>();
        for (Event e = reader.next(); e != null; e = reader.next()) {
            out.add(e);
        }
        return out;
    }

    static List<Event> read(String body) throws IOException {
        return read(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Hands out one byte per read: every frame is split across reads, CR and LF of a CRLF included. */
    static InputStream trickle(byte[] bytes) {
        return new InputStream() {
            int at;

            @Override
            public int read() {
                return at < bytes.length ? bytes[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (at >= bytes.length) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                b[off] = bytes[at++];
                return 1;
            }
        };
    }

    @Test
    void lfCrlfAndCrAllEndLines() throws IOException {
        List<Event> expected = List.of(new Event("a", "1"), new Event(null, "2"));
        assertEquals(expected, read("event: a\ndata: 1\n\ndata: 2\n\n"));
        assertEquals(expected, read("event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n"));
        assertEquals(expected, read("event: a\rdata: 1\r\rdata: 2\r\r"));
        assertEquals(expected, read("event: a\r\ndata: 1\n\rdata: 2\r\n\n"), "mixed in one stream");
    }

    @Test
    void dataLinesJoinWithNewlinesAndOneSpaceIsDropped() throws IOException {
        assertEquals(List.of(new Event("a", "x\n y\n")),
                read("event:a\ndata: x\ndata:  y\ndata\n\n"), "one space after the colon dropped, 'data' alone is an empty line");
        assertEquals(List.of(new Event(null, "{\"a\": 1}")), read("data:{\"a\": 1}\n\n"), "no space at all");
    }

    @Test
    void commentsAndKeepAlivesAreSkipped() throws IOException {
        assertEquals(List.of(new Event("ping", "p"), new Event(null, "x")),
                read(": keep-alive\n\n:\n\nevent: ping\n: between fields\ndata: p\n\n: OPENROUTER PROCESSING\n\ndata: x\n\n"));
    }

    @Test
    void eventNamesBelongToTheirOwnEventOnly() throws IOException {
        assertEquals(List.of(new Event("message_start", "s"), new Event(null, "d"), new Event("b", "e")),
                read("event: message_start\ndata: s\n\ndata: d\n\nevent: lost\n\nevent: b\ndata: e\n\n"),
                "a name without data dispatches nothing and does not leak into the next event");
        assertEquals(List.of(new Event(null, "v")), read("id: 7\nretry: 100\nfoo: bar\ndata: v\n\n"), "other fields ignored");
    }

    @Test
    void emptyDataIsAnEvent() throws IOException {
        assertEquals(List.of(new Event(null, ""), new Event(null, "")), read("data:\n\ndata: \n\n"));
    }

    @Test
    void aFrameSplitAcrossReadsIsWholeOnceItEnds() throws IOException {
        String body = "event: content_block_delta\r\ndata: {\"text\":\"h\u00e9llo \uD83D\uDE00\"}\r\n\r\ndata: [DONE]\r\n\r\n";
        assertEquals(List.of(new Event("content_block_delta", "{\"text\":\"h\u00e9llo \uD83D\uDE00\"}"), new Event(null, "[DONE]")),
                read(trickle(body.getBytes(StandardCharsets.UTF_8))), "multi-byte characters split across reads too");
    }

    @Test
    void aFinalFrameWithoutItsBlankLineWasCutOff() throws IOException {
        assertEquals(List.of(new Event(null, "1")), read("data: 1\n\ndata: 2\n"));
        assertEquals(List.of(new Event(null, "1")), read("data: 1\n\ndata: 2"));
        assertEquals(List.of(), read(""));
    }

    @Test
    void aLeadingByteOrderMarkIsDropped() throws IOException {
        byte[] bom = { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF };
        byte[] rest = "data: first\n\ndata: \uFEFFsecond\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[bom.length + rest.length];
        System.arraycopy(bom, 0, body, 0, bom.length);
        System.arraycopy(rest, 0, body, bom.length, rest.length);
        assertEquals(List.of(new Event(null, "first"), new Event(null, "\uFEFFsecond")), read(new ByteArrayInputStream(body)),
                "the first event is not lost to a BOM; a BOM later on is data");
        assertEquals(List.of(new Event(null, "first"), new Event(null, "\uFEFFsecond")), read(trickle(body)));
    }

    @Test
    void aVeryLongLineIsReadWhole() throws IOException {
        String big = "x".repeat(1_000_000);
        assertEquals(List.of(new Event(null, big), new Event(null, "after")),
                read(trickle(("data: " + big + "\n\ndata: after\n\n").getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void aBrokenConnectionIsAnErrorNotAnEnd() {
        InputStream broken = new InputStream() {
            final byte[] head = "data: 1\n\ndata: 2".getBytes(StandardCharsets.UTF_8);
            int at;

            @Override
            public int read() throws IOException {
                if (at < head.length) {
                    return head[at++];
                }
                throw new IOException("connection reset");
            }
        };
        SseReader reader = new SseReader(broken);
        assertThrows(IOException.class, () -> {
            assertEquals(new Event(null, "1"), reader.next());
            reader.next();
        });
    }
}

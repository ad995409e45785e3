package dev.aigateway.stream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;

import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/**
 * Splits an AWS event stream ({@code application/vnd.amazon.eventstream}, Bedrock ConverseStream) into events with
 * the AWS SDK's own frame decoder, which checks each frame's prelude and message CRCs. An event message becomes
 * (its {@code :event-type}, its JSON payload); an exception message becomes ({@code exception:<:exception-type>},
 * its payload) and an error message ({@code error:<:error-code>}, {"message": :error-message}), for the parser to
 * report as an in-band error. A frame cut off by the end of the body is not returned.
 */
public final class AwsEventStreamReader implements EventReader {
    private final InputStream in;
    private final ArrayDeque<Message> decoded = new ArrayDeque<>();
    private final MessageDecoder decoder = new MessageDecoder(decoded::add);
    private final byte[] buffer = new byte[8192];

    public AwsEventStreamReader(InputStream in) {
        this.in = in;
    }

    @Override
    public SseReader.Event next() throws IOException {
        while (decoded.isEmpty()) {
            int n = in.read(buffer);
            if (n < 0) {
                return null;
            }
            try {
                decoder.feed(buffer, 0, n);
            } catch (RuntimeException badFrame) {
                // a CRC mismatch or an impossible length: the stream is corrupt, not merely cut
                throw new IOException("malformed event-stream frame: " + badFrame.getMessage(), badFrame);
            }
        }
        Message m = decoded.poll();
        Map<String, HeaderValue> headers = m.getHeaders();
        String payload = new String(m.getPayload(), StandardCharsets.UTF_8);
        String type = header(headers, ":message-type", "event");
        return switch (type) {
            case "exception" -> new SseReader.Event("exception:" + header(headers, ":exception-type", "unknown"), payload);
            case "error" -> new SseReader.Event("error:" + header(headers, ":error-code", "unknown"),
                    "{\"message\":" + quote(header(headers, ":error-message", "")) + "}");
            default -> new SseReader.Event(header(headers, ":event-type", ""), payload);
        };
    }

    private static String header(Map<String, HeaderValue> headers, String name, String otherwise) {
        HeaderValue v = headers.get(name);
        return v == null ? otherwise : v.getString();
    }

    private static String quote(String s) {
        try {
            return dev.aigateway.api.Json.MAPPER.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "\"\"";
        }
    }
}

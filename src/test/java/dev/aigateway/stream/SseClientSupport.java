package dev.aigateway.stream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.aigateway.TestGateway;
import dev.aigateway.api.Json;

/** A streaming client for the tests: reads the gateway's events one by one with the gateway's own {@link SseReader}. */
final class SseClientSupport implements AutoCloseable {
    final HttpResponse<InputStream> response;
    private final SseReader reader;
    /** Every data payload read so far, [DONE] included. */
    final List<String> events = new ArrayList<>();

    private SseClientSupport(HttpResponse<InputStream> response) {
        this.response = response;
        this.reader = new SseReader(response.body());
    }

    static SseClientSupport open(TestGateway gw, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return new SseClientSupport(gw.client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    /** The next event's data, or null when the response ends. */
    String next() throws IOException {
        SseReader.Event e = reader.next();
        if (e == null) {
            return null;
        }
        events.add(e.data());
        return e.data();
    }

    /** Reads up to the first chunk with content text and returns it. */
    JsonNode nextContent() throws IOException {
        String data;
        while ((data = next()) != null) {
            JsonNode chunk = Json.MAPPER.readTree(data.equals("[DONE]") ? "{}" : data);
            if (!chunk.at("/choices/0/delta/content").asText("").isEmpty()) {
                return chunk;
            }
        }
        return null;
    }

    /** Reads to the end; returns every event's data. */
    List<String> readAll() throws IOException {
        while (next() != null) {
            // collected in events
        }
        return events;
    }

    /** The chunks read (JSON), without [DONE]. */
    List<JsonNode> chunks() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String e : events) {
            if (!"[DONE]".equals(e)) {
                out.add(Json.MAPPER.readTree(e));
            }
        }
        return out;
    }

    /** The content text the client has seen, in order. */
    String text() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : chunks()) {
            sb.append(c.at("/choices/0/delta/content").asText(""));
        }
        return sb.toString();
    }

    long doneCount() {
        return events.stream().filter("[DONE]"::equals).count();
    }

    @Override
    public void close() throws IOException {
        response.body().close();
    }
}

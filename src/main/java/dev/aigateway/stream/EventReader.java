package dev.aigateway.stream;

import java.io.IOException;

/**
 * Reads a provider's streamed answer one event at a time, whatever its framing: {@link SseReader} for Server-Sent
 * Events, {@link AwsEventStreamReader} for Bedrock's binary event stream. Each event is a name and a text payload
 * for the adapter's {@link dev.aigateway.provider.StreamParser}.
 */
public interface EventReader {

    /** The next whole event, or null at the end of the body (an event cut off by the end is not returned). */
    SseReader.Event next() throws IOException;
}

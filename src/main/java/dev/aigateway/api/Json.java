package dev.aigateway.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One shared, thread-safe Jackson mapper: creating mappers per request is the costliest mistake on the hot path. */
public final class Json {
    /**
     * Jackson's buffers (~16 KiB a parser or generator) come from a pool shared by all threads: its default
     * keeps them per thread, and every HTTP request runs on a new virtual thread, so each request allocated its
     * own and each of thousands of slow requests in flight held them for its whole call.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build());

    private Json() {
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }
}

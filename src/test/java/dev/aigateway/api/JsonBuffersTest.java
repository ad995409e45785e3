package dev.aigateway.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.RecyclerPool;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP request runs on a new virtual thread: Jackson's default pool keeps its buffers per thread, so each
 * request allocated its own (~16 KiB) and a slow request held them for its whole call. Json.MAPPER shares them.
 */
class JsonBuffersTest {
    @Test
    void requestsOnNewThreadsReuseTheSameBuffers() throws Exception {
        RecyclerPool<BufferRecycler> pool = Json.MAPPER.getFactory()._getRecyclerPool();
        byte[] body = "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes();
        Set<BufferRecycler> seen = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        for (int i = 0; i < 50; i++) {
            // one after the other, each on a new thread, as 50 requests would be (virtual threads on JDK 21+)
            Thread t = new Thread(() -> {
                try {
                    Json.MAPPER.readTree(body);
                    Json.MAPPER.writeValueAsBytes(Json.object().put("n", 1));
                    BufferRecycler buffers = pool.acquireAndLinkPooled(); // what the next parse here would use
                    seen.add(buffers);
                    buffers.releaseToPool();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            t.start();
            t.join();
        }
        // the pool is shared with whatever else parses JSON in this JVM (a gateway of another test): a few sets, not 50
        assertTrue(seen.size() <= 8, "50 requests on 50 threads used " + seen.size() + " sets of Jackson buffers");
    }
}

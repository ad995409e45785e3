package dev.aigateway.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Azure OpenAI: api-key header, api-version on the deployment path, OpenAI bodies and errors (recorded fixtures). */
class AzureOpenAiAdapterTest {
    final AzureOpenAiAdapter adapter = new AzureOpenAiAdapter();

    @Test
    void keyGoesInTheApiKeyHeaderNotAsBearer() {
        assertEquals(Map.of("api-key", "FAKE-azure-key"), adapter.headers("FAKE-azure-key"));
        assertEquals("/chat/completions?api-version=2024-10-21", adapter.chatPath());
        assertEquals("azure", Fixtures.settings("azure", "azure", 2.5, 10).api());
        assertTrue(Providers.adapterFor("azure") instanceof AzureOpenAiAdapter);
    }

    @Test
    void azureErrorsFollowTheFallbackPolicy() {
        UpstreamError rate = adapter.readError(429, Map.of("retry-after-ms", "2000"),
                Fixtures.bytes("azure-openai/error-429-rate-limit.captured.json"));
        assertEquals("rate_limited", UpstreamErrors.outcome(rate));
        assertEquals(2000, rate.retryAfterMs());
        UpstreamError auth = adapter.readError(401, Map.of(), Fixtures.bytes("azure-openai/error-401.captured.json"));
        assertEquals("auth_error", UpstreamErrors.outcome(auth));
        UpstreamError filtered = adapter.readError(400, Map.of(), Fixtures.bytes("azure-openai/error-400-content-filter.captured.json"));
        assertTrue(UpstreamErrors.isClientError(filtered), "a content-filter refusal is the request's, not the provider's");
        assertFalse(filtered.message().isEmpty());
    }

    @Test
    void streamWithContentFilterAnnotationsIsReadLikeOpenAis() throws Exception {
        var events = Sse.read("azure-openai/chat-stream-async-filter.docs.sse",
                adapter.streamParser(Fixtures.settings("azure", "azure", 2.5, 10)));
        assertFalse(Sse.text(events).isEmpty());
        assertTrue(events.stream().anyMatch(e -> e.finishReason() != null), "a finish reason");
        assertTrue(events.get(events.size() - 1).done());
        assertTrue(events.stream().noneMatch(e -> e.error() != null));
    }

    @Test
    void contentFilteredCompletionIsRead() throws Exception {
        var r = adapter.parseResponse(Fixtures.bytes("azure-openai/chat-completion-content-filter.docs.json"),
                Fixtures.settings("azure", "azure", 2.5, 10), 1);
        assertEquals(20, r.promptTokens());
        assertEquals(1843, r.completionTokens(), "reasoning tokens included");
        assertEquals("stop", r.finishReason());
    }
}

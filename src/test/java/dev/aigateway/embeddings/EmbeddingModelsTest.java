package dev.aigateway.embeddings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.FileReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.aigateway.config.SettingException;
import dev.aigateway.provider.Provider;
import dev.aigateway.provider.ProviderSettings;
import dev.aigateway.provider.Providers;

/** The one-dimension rule on the shipped settings: which chains of providers may serve embeddings together. */
class EmbeddingModelsTest {
    private final Map<String, String> config = shipped();

    @Test
    void providersOfOneDimensionMakeAChain() {
        assertEquals(1536, models("openai", "holysheep").checkChain("embeddings", List.of("openai", "holysheep")));
    }

    @Test
    void mixedDimensionsAreRefusedNamingEachProvider() {
        SettingException e = assertThrows(SettingException.class,
                () -> models("openai", "gemini").checkChain("mixed", List.of("openai", "gemini")));
        assertEquals("embeddings chain 'mixed' mixes embedding dimensions openai=1536 (text-embedding-3-small), "
                + "gemini=3072 (gemini-embedding-001): a fallback between vector spaces would corrupt the client's index; "
                + "give every provider of the chain the same provider.<name>.embedding-dimensions", e.getMessage());
    }

    @Test
    void aProviderWithoutEmbeddingsIsRefused() {
        SettingException none = assertThrows(SettingException.class,
                () -> models("openai", "anthropic").checkChain("e", List.of("openai", "anthropic")));
        assertEquals("embeddings chain 'e' names provider anthropic, which serves no embeddings "
                + "(provider.anthropic.embedding-model is empty)", none.getMessage());
        // Anthropic's API has no embeddings endpoint, whatever its settings say
        config.put("provider.anthropic.embedding-model", "voyage-3");
        config.put("provider.anthropic.embedding-dimensions", "1024");
        SettingException api = assertThrows(SettingException.class,
                () -> models("anthropic").checkChain("e", List.of("anthropic")));
        assertEquals("embeddings chain 'e' names provider anthropic, whose API (anthropic) has no embeddings endpoint",
                api.getMessage());
    }

    @Test
    void dimensionsAreRequiredWithAModelAndADeploymentReadsItsOwnFirst() {
        config.put("provider.deepseek.embedding-model", "some-embedder");
        SettingException e = assertThrows(SettingException.class, () -> models("deepseek"));
        assertEquals("provider.deepseek.embedding-dimensions is required when provider.deepseek.embedding-model is set "
                + "(some-embedder): the length of its vectors", e.getMessage());
        config.put("provider.openai.deployment.eu.embedding-dimensions", "3072");
        EmbeddingSettings eu = EmbeddingSettings.read("openai.eu", config::get);
        assertEquals("text-embedding-3-small", eu.model(), "inherited from provider.openai");
        assertEquals(3072, eu.dimensions(), "its own");
        assertEquals(0.02 * 1_000 / 1_000_000, eu.cost(1_000), 1e-15);
    }

    private EmbeddingModels models(String... names) {
        Providers providers = new Providers();
        for (String name : names) {
            ProviderSettings s = ProviderSettings.read(name, config::get);
            providers.add(new Provider(s, Providers.adapterFor(s.api()), null, s.baseUrl(), false));
            providers.deployment(name, name, 1, null);
        }
        return new EmbeddingModels(providers, config::get);
    }

    private static Map<String, String> shipped() {
        Properties p = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            p.load(r);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        Map<String, String> m = new HashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k).trim()));
        return m;
    }
}

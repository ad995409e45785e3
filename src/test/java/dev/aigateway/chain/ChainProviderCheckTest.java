package dev.aigateway.chain;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.aigateway.config.SettingException;
import dev.aigateway.provider.Providers;

/**
 * A chain file is read through Camel's YAML loader: every provider and deployment it names (a {@code tier:} line, or the
 * older circuitBreaker / direct:provider- form) must be configured.
 */
class ChainProviderCheckTest {
    private final DefaultCamelContext context = new DefaultCamelContext();
    private String leftOut = "";

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    @Test
    void shippedChainsNameOnlyConfiguredProviders() throws Exception {
        try (var files = Files.list(Path.of("routes"))) {
            List<Path> chains = files.filter(f -> f.getFileName().toString().startsWith("chain-")).toList();
            assertEquals(8, chains.size(), chains.toString());
            leftOut = "holysheep"; // chain-embeddings falls back to it; this test's providers leave it out
            for (Path f : chains) {
                assertDoesNotThrow(() -> load(f.getFileName().toString(), Files.readString(f)), f.toString());
            }
        }
    }

    @Test
    void aTypoInATierLineIsFound() throws Exception {
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("- to: tier:deepseek",
                "- to: tier:deepsek");
        assertTierRefused("deepsek", "deepsek", yaml);
    }

    @Test
    void anUnknownDeploymentInATierLineIsFound() throws Exception {
        // openai has the deployments us and eu here: openai.asia is neither
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("- to: tier:openai\n",
                "- to: tier:openai.us,openai.asia\n");
        assertTierRefused("openai.asia", "openai.us,openai.asia", yaml);
    }

    @Test
    void aTierLineNamesDeploymentsAndProviders() throws Exception {
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("- to: tier:openai\n",
                "- to: tier:openai.eu,anthropic\n");
        assertDoesNotThrow(() -> load("chain-x.yaml", yaml));
    }

    @Test
    void aProviderWithSettingsButLeftOutOfGatewayProvidersIsLeftOutOfItsTiers() throws Exception {
        // holysheep has provider.holysheep.* but is not in gateway.providers: the chain loads without it
        leftOut = "holysheep";
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("- to: tier:deepseek\n",
                "- to: tier:holysheep,deepseek\n- to: tier:holysheep\n");
        assertDoesNotThrow(() -> load("chain-x.yaml", yaml));
    }

    @Test
    void aTypoOfALeftOutProviderIsStillRefused() throws Exception {
        leftOut = "holysheep";
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("- to: tier:deepseek\n",
                "- to: tier:holysheap\n");
        assertTierRefused("holysheap", "holysheap", yaml);
    }

    @Test
    void anOldFormatProviderTypoIsStillFound() throws Exception {
        String yaml = """
                - routeTemplate:
                    id: chain-x
                    parameters:
                      - name: version
                    route:
                      from:
                        uri: direct:chain-x-{{version}}
                        steps:
                          - to:
                              uri: direct:provider-antropic
                """;
        assertRefused("antropic", yaml);
    }

    @Test
    void aProviderInsideAChoiceIsFound() throws Exception {
        String yaml = """
                - routeTemplate:
                    id: chain-x
                    parameters:
                      - name: version
                    route:
                      from:
                        uri: direct:chain-x-{{version}}
                        steps:
                          - choice:
                              when:
                                - simple: "${header.fast} == 'yes'"
                                  steps:
                                    - to:
                                        uri: direct:provider-mistral
                              otherwise:
                                steps:
                                  - to:
                                      uri: direct:provider-openai
                """;
        assertRefused("mistral", yaml);
    }

    private void assertRefused(String name, String yaml) {
        Exception e = assertThrows(Exception.class, () -> load("chain-x.yaml", yaml));
        SettingException s = SettingException.in(e);
        assertEquals("Chain file chain-x.yaml names provider '" + name + "', which is not configured; configured "
                + "providers (gateway.providers): openai, anthropic, deepseek, gemini, openai.us, openai.eu", s == null ? String.valueOf(e) : s.getMessage());
    }

    private void assertTierRefused(String name, String tier, String yaml) {
        Exception e = assertThrows(Exception.class, () -> load("chain-x.yaml", yaml));
        SettingException s = SettingException.in(e);
        assertEquals("Chain file chain-x.yaml names '" + name + "' in \"tier:" + tier + "\", which is neither a configured "
                + "provider nor a deployment; configured: openai, anthropic, deepseek, gemini, openai.us, openai.eu",
                s == null ? String.valueOf(e) : s.getMessage());
    }

    private void load(String file, String yaml) throws Exception {
        Providers providers = new Providers();
        providers.deployment("openai", "openai.us", 3, "us-east");
        providers.deployment("openai", "openai.eu", 1, "eu-west");
        for (String p : List.of("anthropic", "deepseek", "gemini")) {
            providers.deployment(p, p, 1, null);
        }
        LiveChains chains = new LiveChains(context, providers.routableNames());
        chains.tiers(new Tiers(providers, leftOut::equals));
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString(file, yaml));
    }
}

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

/** A chain file is read through Camel's YAML loader: every provider it names must be configured. */
class ChainProviderCheckTest {
    private final DefaultCamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    @Test
    void shippedChainsNameOnlyConfiguredProviders() throws Exception {
        for (String file : List.of("chain-default.yaml", "chain-premium.yaml")) {
            assertDoesNotThrow(() -> load(file, Files.readString(Path.of("routes", file))));
        }
    }

    @Test
    void aTypoInTheBreakerAloneIsFound() throws Exception {
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("circuitBreaker: deepseek",
                "circuitBreaker: deepsek");
        assertRefused("deepsek", yaml);
    }

    @Test
    void aTypoInTheProviderEndpointAloneIsFound() throws Exception {
        // Camel itself would accept this file: the typo would fail each request that reaches it
        String yaml = Files.readString(Path.of("routes/chain-default.yaml")).replace("uri: direct:provider-anthropic",
                "uri: direct:provider-antropic");
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
                + "providers (gateway.providers): openai, anthropic, deepseek", s == null ? String.valueOf(e) : s.getMessage());
    }

    private void load(String file, String yaml) throws Exception {
        new LiveChains(context, List.of("openai", "anthropic", "deepseek"));
        PluginHelper.getRoutesLoader(context).loadRoutes(ResourceHelper.fromString(file, yaml));
    }
}

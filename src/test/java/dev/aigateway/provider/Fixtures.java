package dev.aigateway.provider;

import java.io.IOException;
import java.io.InputStream;

/** Real provider wire formats (src/test/resources/fixtures, copied from the vendors' docs and SDK test suites). */
final class Fixtures {
    private Fixtures() {
    }

    static byte[] bytes(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ProviderSettings settings(String name, String api, double in, double out) {
        return new ProviderSettings(name, api, "http://x", name + "-model", 1024, in, out, 30_000, null, null, null,
                new ProviderSettings.BreakerSettings(50, 10, 5, 1000, 2), "anthropic".equals(api));
    }
}

package dev.aigateway.requestlog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileReader;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.Test;

import dev.aigateway.api.Json;

class RedactorTest {
    @Test
    void aCommaInsideBracesOrBracketsBelongsToItsPattern() {
        assertEquals(List.of("a{2,}", "[x,y]+", "(p,q)", "b\\,c"), Redactor.split(" a{2,} ,[x,y]+, (p,q),b\\,c ,"));
    }

    @Test
    void theShippedPatternsRedactKeysTokensAndAddresses() throws Exception {
        Properties config = new Properties();
        try (FileReader r = new FileReader("config/application.properties")) {
            config.load(r);
        }
        Redactor redactor = Redactor.of(config.getProperty("gateway.request-log.redact"));
        // credential-shaped inputs built from fake parts: no literal in the repo looks like a real key
        String anthropicKey = "sk-" + "ant-" + "FAKE" + "x".repeat(12);
        String jwt = "ey" + "J" + "FAKE.abc.def";
        String googleKey = "AI" + "za" + "FAKE" + "0".repeat(20);
        String awsKeyId = "AK" + "IA" + "FAKE" + "0".repeat(12);
        assertEquals("key [REDACTED], auth [REDACTED], [REDACTED] and [REDACTED] mail [REDACTED] ok",
                redactor.redact("key " + anthropicKey + ", auth Bearer " + jwt + ", " + googleKey + " and "
                        + awsKeyId + " mail ann.lee+x@mail.example.org ok"));
        var body = Json.MAPPER.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"sk-abcdefghijklmn\"}],\"n\":1}");
        assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"[REDACTED]\"}],\"n\":1}",
                redactor.redact(body).toString());
        assertTrue(body.toString().contains("sk-abcdefghijklmn"), "the original is not changed");
    }

    @Test
    void credentialsAreMaskedEvenWithNoPatterns() {
        assertEquals("key ***", Redactor.of("").redact("key sk-abcdefghijklmn"));
        assertThrows(IllegalArgumentException.class, () -> Redactor.of("a(b"));
    }
}

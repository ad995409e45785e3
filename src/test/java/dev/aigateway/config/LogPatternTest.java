package dev.aigateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileReader;
import java.util.Properties;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.message.ParameterizedMessage;
import org.junit.jupiter.api.Test;

/** The shipped log pattern: a client-chosen value with CR/LF cannot forge a second log line. */
class LogPatternTest {

    @Test
    void crLfInALoggedValueStaysOnOneLine() throws Exception {
        Properties p = new Properties();
        try (FileReader r = new FileReader("src/main/resources/log4j2.properties")) {
            p.load(r);
        }
        PatternLayout layout = PatternLayout.newBuilder().withPattern(p.getProperty("appender.console.layout.pattern"))
                .build();
        String line = layout.toSerializable(Log4jLogEvent.newBuilder().setLoggerName("dev.aigateway.Test")
                .setLevel(Level.INFO).setMessage(new ParameterizedMessage("Mid-stream failover of request {}: ok",
                        "r1\r\n12:00:00.000 ERROR [main] Forged - admin key leaked"))
                .build());
        assertEquals(1, line.split("\n", -1).length - 1, "one line, one newline at its end: " + line);
        assertTrue(line.endsWith("\n") && !line.contains("\r"), line);
        assertTrue(line.contains("\\r\\n12:00:00.000 ERROR"), "CR/LF are written escaped: " + line);
    }
}

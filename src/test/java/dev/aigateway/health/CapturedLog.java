package dev.aigateway.health;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/** The lines one class logs while this is open (the real log4j2 pipeline, one more appender). */
final class CapturedLog implements AutoCloseable {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
    private final LoggerConfig config;
    private final AbstractAppender appender;

    CapturedLog(Class<?> source) {
        appender = new AbstractAppender("captured-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if (event.getLoggerName().equals(source.getName())) {
                    lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
                }
            }
        };
        appender.start();
        config = context.getConfiguration().getLoggerConfig(source.getName());
        config.addAppender(appender, Level.ALL, null);
        context.updateLoggers();
    }

    /** Lines at {@code level} containing {@code text}. */
    List<String> lines(String level, String text) {
        return lines.stream().filter(l -> l.startsWith(level + " ") && l.contains(text)).toList();
    }

    List<String> all() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        config.removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }
}

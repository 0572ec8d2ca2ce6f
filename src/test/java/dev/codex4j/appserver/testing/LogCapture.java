package dev.codex4j.appserver.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures every log event of the library while open, with the library's loggers (including the
 * app-server's stderr) lowered to TRACE so nothing escapes the check. Close it to restore the levels.
 */
public final class LogCapture implements AutoCloseable {

    private static final List<String> LOGGERS = List.of("dev.codex4j", "dev.codex4j.appserver.codex.stderr");

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Level> previous = new ArrayList<>();

    private LogCapture() {
        appender.start();
        root.addAppender(appender);
        for (String name : LOGGERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            previous.add(logger.getLevel());
            logger.setLevel(Level.TRACE);
        }
    }

    /** Starts capturing. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** Every captured event, oldest first. */
    public synchronized List<ILoggingEvent> events() {
        synchronized (appender) {
            return List.copyOf(appender.list);
        }
    }

    /** Each event's formatted message followed by its exception chain's messages, one string per event. */
    public List<String> lines() {
        return events().stream().map(LogCapture::render).toList();
    }

    /** The rendered events at {@code level} or above. */
    public List<String> lines(Level atLeast) {
        return events().stream().filter(e -> e.getLevel().isGreaterOrEqual(atLeast)).map(LogCapture::render).toList();
    }

    private static String render(ILoggingEvent event) {
        StringBuilder sb = new StringBuilder(event.getFormattedMessage());
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            sb.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return sb.toString();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        for (int i = 0; i < LOGGERS.size(); i++) {
            ((Logger) LoggerFactory.getLogger(LOGGERS.get(i))).setLevel(previous.get(i));
        }
    }
}

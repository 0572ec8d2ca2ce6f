package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** An API key given to the process never reaches a log line or an exception message. */
@Timeout(60)
class SecretRedactionTest {

    private static final String KEY = "sk-test-0123456789abcdefSECRET";
    private static final String TOKEN = "plain-token-value-42";

    @TempDir
    Path dir;

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger stderrLogger = (Logger) LoggerFactory.getLogger("dev.codex4j.appserver.codex.stderr");
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private Level stderrLevel;

    @BeforeEach
    void capture() {
        captured.start();
        root.addAppender(captured);
        stderrLevel = stderrLogger.getLevel();
        stderrLogger.setLevel(Level.TRACE);
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
        stderrLogger.setLevel(stderrLevel);
    }

    @Test
    void secretsEchoedOnStderrAreRedactedInLogsAndExceptions() throws Exception {
        AppServerClient client = AppServerClient.builder()
                .executable(FakeAppServerLauncher.createScript(dir))
                .environment(Map.of("OPENAI_API_KEY", KEY, "SERVICE_TOKEN", TOKEN))
                .build();
        try (client) {
            client.start().block(Duration.ofSeconds(10));
            client.request("fake/emit", Map.of("lines", List.of(KEY + " garbage"))).block(Duration.ofSeconds(10));
            Throwable failure = catchThrowable(() -> client.request("fake/exit", Map.of("code", 1, "stderr", List.of(
                    "2026-01-01T00:00:00Z ERROR auth: bad key " + KEY,
                    "using token " + TOKEN,
                    "Authorization: Bearer abc.def.ghi"))).block(Duration.ofSeconds(10)));

            assertThat(failure).isInstanceOf(ConnectionClosedException.class);
            assertThat(failure.getMessage()).contains("bad key [REDACTED]").doesNotContain(KEY, TOKEN, "abc.def.ghi");
            assertThat(((ConnectionClosedException) failure).stderrTail()).noneMatch(l -> l.contains(KEY));
        }
        List<String> lines = captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anyMatch(l -> l.contains("bad key [REDACTED]")); // stderr was logged, redacted
        assertThat(lines).anyMatch(l -> l.contains("[REDACTED] garbage"));
        assertThat(lines).noneMatch(l -> l.contains(KEY) || l.contains(TOKEN));
    }
}

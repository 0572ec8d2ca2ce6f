package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.AppServerStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.LogCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 8, secrets: an API key given to the process in its environment, or echoed by it, never reaches a
 * log line or an exception message. Every log event of the library is captured, at TRACE.
 */
@Timeout(60)
class GuaranteeSecretsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String KEY = "sk-test-0123456789abcdefSECRET";
    private static final String TOKEN = "plain-token-value-42";

    @TempDir
    Path dir;

    @Test
    void anApiKeyInTheEnvironmentOrInStderrNeverAppearsInALogLineOrAnExceptionMessage() throws Exception {
        List<Throwable> failures = new ArrayList<>();
        try (LogCapture logs = LogCapture.start()) {
            try (AppServerClient client = FakeClients.builder(dir)
                    .environment(Map.of("CODEX_HOME", dir.toString(), "OPENAI_API_KEY", KEY, "SERVICE_TOKEN", TOKEN))
                    .build()) {
                client.start().block(WAIT);
                // a malformed line, an error message and stderr lines that all echo the secrets
                client.request("fake/emit", Map.of("lines", List.of(KEY + " garbage " + TOKEN))).block(WAIT);
                failures.add(catchThrowable(() -> client.request("fake/error", Map.of("code", -32602,
                        "message", "invalid api key " + KEY + " / " + TOKEN)).block(WAIT)));
                failures.add(catchThrowable(() -> client.request("fake/exit", Map.of("code", 1, "stderr", List.of(
                        "2026-01-01T00:00:00Z ERROR auth: bad key " + KEY,
                        "using token " + TOKEN,
                        "Authorization: Bearer abc.def.ghi"))).block(WAIT)));
            }
            // a process that cannot even start, with the key in its command line
            try (AppServerClient unstartable = AppServerClient.builder()
                    .executable(dir.resolve("missing-codex"))
                    .arguments(List.of("-c", "api_key=" + KEY))
                    .environment(Map.of("OPENAI_API_KEY", KEY))
                    .build()) {
                failures.add(catchThrowable(() -> unstartable.start().block(WAIT)));
            }

            assertThat(failures).hasSize(3).doesNotContainNull();
            assertThat(failures.get(0)).isInstanceOf(JsonRpcErrorException.class)
                    .hasMessageContaining("invalid api key [REDACTED] / [REDACTED]");
            assertThat(failures.get(1)).isInstanceOfSatisfying(ConnectionClosedException.class, e -> {
                assertThat(e.getMessage()).contains("bad key [REDACTED]");
                assertThat(e.stderrTail()).noneMatch(l -> l.contains(KEY) || l.contains(TOKEN));
            });
            assertThat(failures.get(2)).isInstanceOf(AppServerStartException.class).hasMessageContaining("[REDACTED]");
            for (Throwable failure : failures) {
                for (Throwable t = failure; t != null; t = t.getCause()) {
                    assertThat(t.getMessage()).doesNotContain(KEY, TOKEN, "abc.def.ghi");
                }
            }

            List<String> lines = logs.lines();
            assertThat(lines).anyMatch(l -> l.contains("bad key [REDACTED]")); // stderr was logged, redacted
            assertThat(lines).anyMatch(l -> l.contains("[REDACTED] garbage [REDACTED]"));
            assertThat(lines).noneMatch(l -> l.contains(KEY) || l.contains(TOKEN) || l.contains("abc.def.ghi"));
        }
    }
}

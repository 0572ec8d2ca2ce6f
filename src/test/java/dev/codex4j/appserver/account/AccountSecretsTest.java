package dev.codex4j.appserver.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.Account;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.LogCapture;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedAuth;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API key passed to {@link CodexAccount#loginApiKey(String)} never reaches a log line (every library logger
 * captured at TRACE, codex's stderr included), an exception message or a {@code toString}. The key is not shaped
 * like a token, so the client's own redaction of token shapes and secret environment variables cannot be what
 * hides it.
 */
@Timeout(60)
class AccountSecretsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KEY = "plain-login-key-7f3a9c2e1b4d";

    @TempDir
    Path dir;

    @Test
    void theKeyStaysOutOfTheLogsOfALoginWithTheRealCodexTracingEverything() {
        try (ScriptedAuth auth = ScriptedAuth.start(); RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:9/v1");
                LogCapture logs = LogCapture.start()) {
            auth.config().forEach(codex::withConfig);
            Map<String, String> environment = new HashMap<>(codex.environment());
            environment.putAll(auth.environment());
            environment.put("RUST_LOG", "trace"); // codex logs each request it handles, and much more
            try (AppServerClient client = codex.clientBuilder().environment(environment).requestTimeout(WAIT).build()) {
                client.start().block(WAIT);
                CodexAccount account = CodexAccount.of(client);

                account.loginApiKey(KEY).block(WAIT);
                assertThat(account.account().block(WAIT).account()).isInstanceOf(Account.ApiKey.class);
                account.logout().block(WAIT);

                assertThat(client.stderrTail()).noneMatch(line -> line.contains(KEY));
            }
            List<String> lines = logs.lines();
            assertThat(lines).as("codex's trace output was captured").anyMatch(l -> l.contains("account/login/start"));
            assertThat(lines).noneMatch(l -> l.contains(KEY));
        }
    }

    @Test
    void anErrorAnswerThatEchoesTheKeyIsRethrownWithTheKeyMasked() {
        try (LogCapture logs = LogCapture.start();
                AppServerClient client = FakeClients.builder(dir).requestTimeout(WAIT).build()) {
            client.start().block(WAIT);
            client.request("fake/failNext", Map.of("method", "account/login/start", "count", 1, "code", -32600,
                    "message", "invalid api key '" + KEY + "'")).block(WAIT);

            Throwable failure = catchThrowable(() -> CodexAccount.of(client).blocking().loginApiKey(KEY));

            assertThat(failure).isInstanceOfSatisfying(LoginFailedException.class, e -> {
                assertThat(e.reason()).isEqualTo("invalid api key '[REDACTED]'");
                assertThat(e.loginId()).isNull();
                assertThat(e.getCause()).isInstanceOfSatisfying(JsonRpcErrorException.class, rpc -> {
                    assertThat(rpc.code()).isEqualTo(-32600);
                    assertThat(rpc.method()).isEqualTo("account/login/start");
                });
            });
            for (Throwable t = failure; t != null; t = t.getCause()) {
                assertThat(t.getMessage()).doesNotContain(KEY);
                assertThat(t.toString()).doesNotContain(KEY);
            }
            assertThat(logs.lines()).noneMatch(l -> l.contains(KEY));
        }
    }

    @Test
    void theParamsHoldingTheKeyDoNotPrintIt() {
        ApiKeyLogin params = new ApiKeyLogin(KEY);

        assertThat(params.toString()).doesNotContain(KEY).contains("[REDACTED]");
        assertThat(params.apiKey()).isEqualTo(KEY);
    }
}

package dev.codex4j.appserver.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.ServerVersionMismatchException;
import dev.codex4j.appserver.rpc.VersionCheck;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading codex's version out of the {@code initialize} answer's user agent, and what each check does with it. */
@Timeout(10)
class ServerVersionTest {

    private static final SecretRedactor REDACTOR = SecretRedactor.forEnvironment(
            Map.of("OPENAI_API_KEY", "sk-test-0123456789abcdefghijklmnop"), List.of());

    @Test
    void readsTheVersionAfterTheClientsOwnNameWhateverItContains() {
        // user agents as codex-cli 0.169.0 built them for these client names
        assertThat(ServerVersion.parse("my svc/0.169.0 (Debian 12.0.0; x86_64) xterm (my svc; 1)", "my svc"))
                .isEqualTo("0.169.0");
        assertThat(ServerVersion.parse("a/b (x) 9.9.9/0.169.0 (Debian 12.0.0; x86_64) xterm (a/b (x) 9.9.9; 1)",
                "a/b (x) 9.9.9")).isEqualTo("0.169.0");
        assertThat(ServerVersion.parse("svc/0.170.0-alpha.2 (Mac OS 15.1.0; arm64) vscode/1.95 (svc; 2)", "svc"))
                .isEqualTo("0.170.0-alpha.2");
    }

    @Test
    void fallsBackToTheFirstVersionAfterASlashAndGivesUpWithoutOne() {
        assertThat(ServerVersion.parse("fake/0.0.0", "codex4j")).isEqualTo("0.0.0");
        assertThat(ServerVersion.parse("bench/0", "codex4j")).isNull();
        assertThat(ServerVersion.parse("codex4j/not-a-version (Linux)", "codex4j")).isNull();
        assertThat(ServerVersion.parse("", "codex4j")).isNull();
        assertThat(ServerVersion.parse(null, "codex4j")).isNull();
    }

    @Test
    void failNamesBothVersionsOrTheUnreadableUserAgentRedacted() {
        ServerVersion strict = new ServerVersion(VersionCheck.FAIL, "svc", "0.169.0");
        strict.check(answer("svc/0.169.0 (Linux)"), REDACTOR);

        assertThatThrownBy(() -> strict.check(answer("svc/0.170.0 (Linux)"), REDACTOR))
                .isInstanceOf(ServerVersionMismatchException.class)
                .hasMessageStartingWith("codex app-server is version 0.170.0, but codex4j's protocol types were "
                        + "generated for 0.169.0");
        assertThatThrownBy(() -> strict.check(answer("proxy sk-test-0123456789abcdefghijklmnop"), REDACTOR))
                .isInstanceOfSatisfying(ServerVersionMismatchException.class, e -> {
                    assertThat(e.actualVersion()).isNull();
                    assertThat(e).hasMessageContaining("cannot tell the codex app-server's version from its userAgent")
                            .hasMessageContaining("0.169.0").hasMessageNotContaining("sk-test-0123456789");
                });
    }

    @Test
    void skipAcceptsAnything() {
        new ServerVersion(VersionCheck.SKIP, "svc", "0.169.0").check(answer(null), REDACTOR);
    }

    private static InitializeResponse answer(String userAgent) {
        return new InitializeResponse("/tmp/home", "unix", "linux", userAgent);
    }
}

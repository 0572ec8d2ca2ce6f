package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a fake app-server subprocess, for what only a process does: dying before it reads
 * anything. What the client does over any transport is in {@link ClientContractTest} (run over stdio by
 * {@link StdioClientContractTest}); the fault-tolerance promises are in {@code Guarantee*Test}.
 */
@Timeout(60)
class FakeProcessClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();

    @Test
    void aServerThatDiesAtStartFailsStartWithItsStderr() throws Exception {
        AppServerClient client = clients.add(AppServerClient.builder()
                .executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of("--exit-at-start", "3"))
                .build());
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.stderrTail()).contains("fatal: simulated startup failure");
                });
    }
}

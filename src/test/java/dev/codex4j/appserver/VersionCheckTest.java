package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.codex4j.appserver.protocol.ProtocolVersion;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.rpc.ServerVersionMismatchException;
import dev.codex4j.appserver.rpc.VersionCheck;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.LogCapture;
import dev.codex4j.appserver.testing.RealCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The run-time check that the app-server is the codex version the protocol was generated for: the pinned
 * binary passes even under {@link VersionCheck#FAIL}; the fake server ({@code fake/0.0.0}) fails start under
 * FAIL, is warned about once under WARN (restarts included), and passes silently under SKIP.
 */
@Timeout(60)
class VersionCheckTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String MISMATCH = "codex app-server is version 0.0.0, but codex4j's protocol types were "
            + "generated for " + ProtocolVersion.CODEX_VERSION;

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();

    @Test
    void theGeneratedVersionIsThePinnedOne() {
        assertThat(ProtocolVersion.CODEX_VERSION).isEqualTo(System.getProperty("codex4j.codex.version"));
    }

    @Test
    void thePinnedBinaryPassesTheStrictCheck() {
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:9/v1"); LogCapture logs = LogCapture.start()) {
            AppServerClient client = clients.add(codex.clientBuilder().versionCheck(VersionCheck.FAIL).build());
            assertThat(client.start().block(WAIT).userAgent()).startsWith("codex4j/" + ProtocolVersion.CODEX_VERSION + " ");
            assertThat(client.isReady()).isTrue();
            assertThat(logs.lines()).noneMatch(l -> l.contains("protocol types were generated for"));
            client.close();
        }
    }

    @Test
    void failRefusesAnotherVersionNamingBothAndStopsTheServer() throws Exception {
        AppServerClient client = clients.add(FakeClients.builder(dir).versionCheck(VersionCheck.FAIL).build());

        assertThatThrownBy(() -> client.start().block(WAIT))
                .isInstanceOfSatisfying(ServerVersionMismatchException.class, e -> {
                    assertThat(e.expectedVersion()).isEqualTo(ProtocolVersion.CODEX_VERSION);
                    assertThat(e.actualVersion()).isEqualTo("0.0.0");
                    assertThat(e).hasMessageStartingWith(MISMATCH);
                });
        // stopped without close(): every fake this JVM started ends (one left waiting on stdin would hang here)
        for (ProcessHandle fake : ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("FakeAppServer")).toList()) {
            fake.onExit().get(10, TimeUnit.SECONDS);
        }
        assertThat(client.isReady()).isFalse();
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOf(ServerVersionMismatchException.class);
    }

    @Test
    void warnLogsOnceForTheClientEvenAcrossRestarts() {
        try (LogCapture logs = LogCapture.start()) {
            AppServerClient client = clients.started(FakeClients.builder(dir)
                    .restartOnCrash(RestartPolicy.of(1, Duration.ZERO, Duration.ZERO)));
            var restarted = client.connectionEvents().ofType(ConnectionEvent.Restarted.class).next().toFuture();
            client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty()).block(WAIT);
            restarted.join();
            assertThat(client.request("echo", Map.of("x", 1)).block(WAIT).get("x").asInt()).isEqualTo(1);

            List<String> warnings = logs.lines(Level.WARN).stream()
                    .filter(l -> l.contains("protocol types were generated for")).toList();
            assertThat(warnings).singleElement().satisfies(l -> assertThat(l).startsWith(MISMATCH));
        }
    }

    @Test
    void skipDoesNotLook() {
        try (LogCapture logs = LogCapture.start()) {
            AppServerClient client = clients.started(FakeClients.builder(dir).versionCheck(VersionCheck.SKIP));
            assertThat(client.isReady()).isTrue();
            assertThat(logs.lines()).noneMatch(l -> l.contains("protocol types were generated for"));
        }
    }

    @Test
    void theBuilderRefusesNoCheck() {
        assertThatThrownBy(() -> AppServerClient.builder().versionCheck(null))
                .isInstanceOf(NullPointerException.class).hasMessage("versionCheck");
    }
}

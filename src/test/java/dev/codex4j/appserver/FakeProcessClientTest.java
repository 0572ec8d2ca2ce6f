package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.test.StepVerifier;

/**
 * The client against a scripted fake app-server running as a real subprocess: handler failures and servers
 * that fail to start or to answer the handshake. The fault-tolerance promises are in {@code Guarantee*Test}.
 */
@Timeout(60)
class FakeProcessClientTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    private AppServerClient start(String... fakeArgs) throws Exception {
        return start(AppServerClient.builder(), fakeArgs);
    }

    private AppServerClient start(AppServerClientBuilder builder, String... fakeArgs) throws Exception {
        client = clients.add(builder.executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of(fakeArgs))
                .environment(Map.of("CODEX_HOME", dir.toString()))
                .build());
        InitializeResponse init = client.start().block(WAIT);
        assertThat(init.userAgent()).isEqualTo("fake/0.0.0");
        return client;
    }

    @Test
    void aHandlerThatThrowsIsAnsweredWithDecline() throws Exception {
        start(AppServerClient.builder().approvals(ApprovalDecisions.builder().onFileChange(r -> {
            throw new IllegalStateException("bug in handler");
        }).build()));
        JsonNode reply = client.request("fake/serverRequest", Map.of("method", "item/fileChange/requestApproval",
                "params", Map.of("threadId", "t", "turnId", "u", "itemId", "i"))).block(WAIT).get("reply");
        assertThat(reply.get("result").get("decision").asText()).isEqualTo("decline");
    }

    @Test
    void aServerThatDiesAtStartFailsStartWithItsStderr() throws Exception {
        client = clients.add(AppServerClient.builder().executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of("--exit-at-start", "3")).build());
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> {
                    assertThat(e.exitCode()).isEqualTo(3);
                    assertThat(e.stderrTail()).contains("fatal: simulated startup failure");
                });
    }

    @Test
    void aServerThatNeverAnswersInitializeTimesOutAndIsEnded() throws Exception {
        client = clients.add(AppServerClient.builder().executable(FakeAppServerLauncher.createScript(dir))
                .arguments(List.of("--no-handshake-reply")).requestTimeout(Duration.ofMillis(1500)).build());
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOf(RequestTimeoutException.class)
                .hasMessageContaining("initialize");
        StepVerifier.create(client.notifications()).expectComplete().verify(WAIT);
    }
}

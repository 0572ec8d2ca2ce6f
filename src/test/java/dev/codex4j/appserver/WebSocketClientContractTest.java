package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.testing.FakeWebSocketServer;
import java.time.Duration;
import org.junit.jupiter.api.Timeout;

/**
 * The client contract over the WebSocket transport: the client connects to a {@link FakeWebSocketServer} on
 * loopback, and the test plays the app-server frame by frame. A server over a network has no exit code or stderr:
 * its "exit" drops the TCP connection without a close frame (what the client sees of a killed server), reported
 * with the endpoint and close code 1006.
 */
@Timeout(60)
class WebSocketClientContractTest extends ClientContractTest {

    private static final String TOKEN = "contract-token-0123456789";

    @Override
    protected ScriptedServer openServer() throws Exception {
        FakeWebSocketServer server = FakeWebSocketServer.start().requireToken(TOKEN);
        return new ScriptedServer() {
            @Override
            public AppServerClientBuilder clientBuilder() {
                return AppServerClient.builder().webSocket(server.uri()).bearerToken(TOKEN)
                        .connectTimeout(Duration.ofSeconds(5));
            }

            @Override
            public String receive() {
                return server.receive();
            }

            @Override
            public void send(String line) {
                server.send(line);
            }

            @Override
            public void exit(int code, String... stderrLines) {
                server.dropConnection();
            }

            @Override
            public void assertEndReported(ConnectionClosedException e, int code, String... stderrLines) {
                assertThat(e.exitCode()).isNull();
                assertThat(e.stderrTail()).isEmpty();
                assertThat(e.getMessage()).contains("ws://127.0.0.1:" + server.uri().getPort() + "/rpc")
                        .contains("close code 1006");
            }

            @Override
            public String readerThread() {
                return "codex4j-ws-reader-";
            }

            @Override
            public void close() {
                server.close();
            }
        };
    }
}

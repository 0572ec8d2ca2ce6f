package dev.codex4j.appserver;

import dev.codex4j.appserver.testing.InMemoryTransport;
import org.junit.jupiter.api.Timeout;

/** The client contract over {@link InMemoryTransport}: the test's lines reach the client with no process between. */
@Timeout(60)
class InMemoryClientContractTest extends ClientContractTest {

    @Override
    protected ScriptedServer openServer() {
        InMemoryTransport transport = new InMemoryTransport();
        return new ScriptedServer() {
            @Override
            public AppServerClientBuilder clientBuilder() {
                return AppServerClient.builder().transport(() -> transport);
            }

            @Override
            public String receive() {
                return transport.nextWritten();
            }

            @Override
            public void send(String line) {
                transport.serverSends(line);
            }

            @Override
            public void exit(int code, String... stderrLines) {
                transport.serverExits(code, stderrLines);
            }

            @Override
            public String readerThread() {
                return InMemoryTransport.READER_THREAD;
            }

            @Override
            public void close() {
                // nothing of its own: the client's close ends the transport
            }
        };
    }
}

package dev.codex4j.appserver;

import dev.codex4j.appserver.testing.FakeAppServer;
import dev.codex4j.appserver.testing.FakeAppServerRelay;
import dev.codex4j.appserver.testing.FakeClients;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client contract over the stdio transport: the client starts a real {@link FakeAppServer} process, which in
 * {@code --relay} mode hands every line from its stdin to the test and writes the test's lines to its stdout.
 */
@Timeout(60)
class StdioClientContractTest extends ClientContractTest {

    @TempDir
    Path dir;

    @Override
    protected ScriptedServer openServer() throws Exception {
        FakeAppServerRelay relay = FakeAppServerRelay.listen(dir);
        return new ScriptedServer() {
            @Override
            public AppServerClientBuilder clientBuilder() {
                return FakeClients.builder(dir, relay.fakeArgs());
            }

            @Override
            public String receive() {
                return relay.nextLine();
            }

            @Override
            public void send(String line) {
                relay.send(line);
            }

            @Override
            public void exit(int code, String... stderrLines) {
                relay.exit(code, List.of(stderrLines));
            }

            @Override
            public String readerThread() {
                return "codex4j-stdout-";
            }

            @Override
            public void close() {
                relay.close();
            }
        };
    }
}

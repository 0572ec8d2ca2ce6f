package dev.codex4j.appserver.testing;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes the clients a test built, after it, whatever happened:
 * {@code @RegisterExtension final ClosingClients clients = new ClosingClients();} then
 * {@code client = clients.add(builder.build());}.
 */
public final class ClosingClients implements AfterEachCallback {

    private final List<AppServerClient> clients = new CopyOnWriteArrayList<>();

    /** Registers {@code client} to be closed after the test, and returns it. */
    public AppServerClient add(AppServerClient client) {
        clients.add(client);
        return client;
    }

    /** Builds a client, registers it to be closed after the test and runs its handshake (waiting 30 s at most). */
    public AppServerClient started(AppServerClientBuilder builder) {
        AppServerClient client = add(builder.build());
        client.start().block(java.time.Duration.ofSeconds(30));
        return client;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        clients.forEach(AppServerClient::close);
        clients.clear();
    }
}

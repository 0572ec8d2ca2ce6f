package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.testing.InMemoryTransport;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportListener;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/** closeGracefully(): close() on a daemon thread of its own (not a Reactor global scheduler), nothing before. */
@Timeout(30)
class CloseGracefullyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void closesOnADaemonThreadOfItsOwnOnceSubscribed() {
        InMemoryTransport server = new InMemoryTransport();
        AtomicReference<Thread> closedOn = new AtomicReference<>();
        AppServerClient client = AppServerClient.builder().transport(() -> new Transport() {
            @Override
            public void start(TransportListener listener) throws IOException {
                server.start(listener);
            }

            @Override
            public void send(byte[] message) throws IOException {
                server.send(message);
            }

            @Override
            public List<String> diagnosticTail() {
                return server.diagnosticTail();
            }

            @Override
            public void close(Duration grace) {
                closedOn.compareAndSet(null, Thread.currentThread());
                server.close(grace);
            }

            @Override
            public void close() {
                closedOn.compareAndSet(null, Thread.currentThread());
                server.close();
            }
        }).build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        server.completeHandshake();
        init.join();
        List<String> ends = new CopyOnWriteArrayList<>();
        client.notifications().subscribe(n -> {}, e -> ends.add("error"), () -> ends.add("complete"));

        Mono<Void> closing = client.closeGracefully();
        assertThat(client.isReady()).as("nothing happens before subscription").isTrue();
        closing.block(WAIT);

        assertThat(client.isReady()).isFalse();
        assertThat(closedOn.get()).isNotNull().isNotSameAs(Thread.currentThread());
        assertThat(closedOn.get().getName()).isEqualTo("codex4j.close");
        assertThat(closedOn.get().isDaemon()).isTrue();
        assertThat(ends).containsExactly("complete");
        assertThatThrownBy(() -> client.request("model/list", null).block(WAIT))
                .isInstanceOf(ConnectionClosedException.class);
    }
}

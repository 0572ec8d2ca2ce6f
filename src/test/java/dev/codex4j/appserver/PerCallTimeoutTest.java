package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.CommandExecParams;
import dev.codex4j.appserver.protocol.types.CommandExecResponse;
import dev.codex4j.appserver.protocol.types.ModelListParams;
import dev.codex4j.appserver.protocol.types.ModelListResponse;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.InMemoryTransport;
import dev.codex4j.appserver.testing.RealCodex;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-call timeouts ({@code request(..., Duration timeout)}): a call may wait longer, or shorter, than the
 * client-wide {@code requestTimeout}, and the session's timeout sweep honours each call's own.
 */
@Timeout(60)
class PerCallTimeoutTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();

    @Test
    void aLongerPerCallTimeoutOutlivesTheClientWideOneWhichStillAppliesToOtherCalls() {
        // the handshake has its own timeout: the fake's JVM may start slowly on a loaded machine
        AppServerClient client = clients.started(FakeClients.builder(dir).requestTimeout(Duration.ofSeconds(2))
                .handshakeTimeout(Duration.ofSeconds(60)));
        Map<String, Object> slow = Map.of("ms", 4_000, "result", Map.of("done", true));

        CompletableFuture<JsonNode> patient = client.request("fake/delay", slow, Duration.ofSeconds(30)).toFuture();
        CompletableFuture<JsonNode> hasty = client.request("fake/delay", slow).toFuture();

        assertThatThrownBy(hasty::join).cause().isInstanceOfSatisfying(RequestTimeoutException.class,
                e -> assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(2)));
        assertThat(patient).isNotDone();
        assertThat(patient.join().get("done").asBoolean()).isTrue();
    }

    @Test
    void aShorterPerCallTimeoutFailsWithItsOwnDurationLongBeforeTheClientWideOne() {
        AppServerClient client = clients.started(FakeClients.builder(dir).requestTimeout(Duration.ofSeconds(60)));
        long start = System.nanoTime();

        assertThatThrownBy(() -> client.request("fake/noReply", Map.of(), Duration.ofMillis(200)).block(WAIT))
                .isInstanceOfSatisfying(RequestTimeoutException.class, e -> {
                    assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200));
                    assertThat(e.method()).isEqualTo("fake/noReply");
                    assertThat(e).hasMessageContaining("within PT0.2S");
                });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(200), Duration.ofSeconds(5));
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aTimeoutTooLongToCountInNanosecondsWaitsForTheAnswer() {
        InMemoryTransport server = new InMemoryTransport();
        AppServerClient client = started(server, Duration.ofMillis(200));
        CompletableFuture<JsonNode> forever = client.request("slow", null, ChronoUnit.FOREVER.getDuration()).toFuture();
        long foreverId = server.nextWrittenJson().get("id").asLong();

        // time passes, sweeps run: an ordinary request sent after it times out first
        assertThatThrownBy(() -> client.request("other", null).block(WAIT)).isInstanceOf(RequestTimeoutException.class);
        assertThat(forever).isNotDone();
        server.serverSends("{\"id\":" + foreverId + ",\"result\":{\"late\":\"fine\"}}");
        assertThat(forever.join().get("late").asText()).isEqualTo("fine");
    }

    @Test
    void typedCallsTakeATimeoutToo() {
        InMemoryTransport server = new InMemoryTransport();
        AppServerClient client = started(server, Duration.ofSeconds(60));

        assertThatThrownBy(() -> client.request(ClientMethods.MODEL_LIST, ModelListParams.builder().build(),
                Duration.ofMillis(50)).block(WAIT))
                .isInstanceOfSatisfying(RequestTimeoutException.class,
                        e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(50)));
        assertThat(server.nextWrittenJson().get("method").asText()).isEqualTo("model/list");

        CompletableFuture<ModelListResponse> answered = client.request("model/list", null, ModelListResponse.class,
                Duration.ofSeconds(30)).toFuture();
        JsonNode sent = server.nextWrittenJson();
        server.serverSends("{\"id\":" + sent.get("id") + ",\"result\":{\"data\":[],\"nextCursor\":null}}");
        assertThat(answered.join().data()).isEmpty();
    }

    @Test
    void theHandshakeHasItsOwnTimeout() {
        InMemoryTransport server = new InMemoryTransport();
        AppServerClient client = clients.add(AppServerClient.builder().transport(() -> server)
                .requestTimeout(Duration.ofSeconds(60)).handshakeTimeout(Duration.ofMillis(200)).build());

        assertThatThrownBy(() -> client.start().block(WAIT)) // the server never answers initialize
                .isInstanceOfSatisfying(RequestTimeoutException.class,
                        e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(200)));
        assertThat(server.nextWrittenJson().get("method").asText()).isEqualTo("initialize");
        assertThatThrownBy(() -> AppServerClient.builder().handshakeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("handshakeTimeout");
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefusedBeforeAnythingIsSent() {
        AppServerClient client = clients.started(FakeClients.builder(dir));

        assertThatThrownBy(() -> client.request("echo", null, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> client.request(ClientMethods.MODEL_LIST, ModelListParams.builder().build(),
                Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT-1S");
        assertThatThrownBy(() -> client.request("echo", null, (Duration) null))
                .isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThat(client.pendingRequestCount()).isZero();
    }

    private AppServerClient started(InMemoryTransport server, Duration requestTimeout) {
        AppServerClient client = clients.add(AppServerClient.builder().transport(() -> server)
                .requestTimeout(requestTimeout).build());
        CompletableFuture<?> started = client.start().toFuture();
        server.completeHandshake();
        started.join();
        return client;
    }

    /** The case that asked for it: a {@code command/exec} that runs longer than the client-wide timeout. */
    @Test
    void aRealCommandExecOutlivesAShortClientWideTimeoutWithALongerPerCallOne() {
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:9/v1")) {
            AppServerClient client = clients.started(codex.clientBuilder().requestTimeout(Duration.ofMillis(500))
                    .handshakeTimeout(Duration.ofSeconds(60)));
            CommandExecParams sleepThenEcho = CommandExecParams.builder()
                    .command(List.of("sh", "-c", "sleep 2; echo done")).build();

            CommandExecResponse run = client.request(ClientMethods.COMMAND_EXEC, sleepThenEcho, Duration.ofSeconds(30))
                    .block(WAIT);
            assertThat(run.exitCode()).isZero();
            assertThat(run.stdout()).isEqualTo("done\n");

            assertThatThrownBy(() -> client.request(ClientMethods.COMMAND_EXEC, sleepThenEcho).block(WAIT))
                    .isInstanceOfSatisfying(RequestTimeoutException.class,
                            e -> assertThat(e.timeout()).isEqualTo(Duration.ofMillis(500)));
            client.close(); // before the fixture deletes the directories codex works in
        }
    }
}

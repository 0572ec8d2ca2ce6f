package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.ResponseDecodingException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.rpc.ExperimentalApiNotEnabledException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.AppServerStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.testing.InMemoryTransport;
import dev.codex4j.appserver.testing.LogCapture;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Client logic against a scripted in-memory server, for what the contract suite ({@link ClientContractTest}, run
 * over this transport by {@link InMemoryClientContractTest}) does not cover: reader replacement and the threads
 * results complete on, timeouts, cancellation, typed decoding, local checks before anything is sent.
 */
@Timeout(30)
class AppServerClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String APPROVAL = "item/commandExecution/requestApproval";

    private final InMemoryTransport server = new InMemoryTransport();
    private AppServerClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    private AppServerClientBuilder builder() {
        return AppServerClient.builder().transport(() -> server).requestTimeout(Duration.ofSeconds(10));
    }

    private AppServerClient started(AppServerClientBuilder builder) {
        client = builder.build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        server.completeHandshake();
        assertThat(init.join().userAgent()).isEqualTo("fake/0.0.0");
        return client;
    }

    private AppServerClient started() {
        return started(builder());
    }

    @Test
    void aHeldReaderIsReplacedByOneThatReadsTheNextResponse() throws Exception {
        started();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<JsonNode> holds = client.request("holds", null)
                .doOnNext(r -> {
                    try {
                        release.await(WAIT.toSeconds(), TimeUnit.SECONDS); // holds the reader until released
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .toFuture();
        CompletableFuture<JsonNode> later = client.request("later", null).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"n\":1}}");
        long laterId = server.nextWrittenJson().get("id").asLong();
        server.serverSends("{\"id\":" + laterId + ",\"result\":{\"n\":2}}");
        // answered while the first continuation still holds the first reader
        assertThat(later.get(WAIT.toSeconds(), TimeUnit.SECONDS).get("n").asInt()).isEqualTo(2);
        assertThat(holds).isNotDone();
        release.countDown();
        assertThat(holds.get(WAIT.toSeconds(), TimeUnit.SECONDS).get("n").asInt()).isEqualTo(1);
        // (a cold first continuation, the handshake's, may have been slow enough to be replaced too)
        assertThat(server.readerThreads()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void smallResultsCompleteOnTheReaderAndLargeOnesOnTheDispatchPool() throws Exception {
        started();
        CompletableFuture<String> small = client.request("small", null)
                .map(r -> Thread.currentThread().getName() + ":" + r.get("n").asInt()).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"n\":1}}");
        assertThat(small.get(WAIT.toSeconds(), TimeUnit.SECONDS)).startsWith(InMemoryTransport.READER_THREAD).endsWith(":1");

        String big = "x".repeat(AppServerClient.READ_ELSEWHERE_BYTES);
        CompletableFuture<String> large = client.request("large", null)
                .map(r -> Thread.currentThread().getName() + ":" + r.get("text").asText().length()).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"text\":\"" + big + "\"}}");
        assertThat(large.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .startsWith("codex4j-dispatch-").endsWith(":" + big.length());
    }

    record Models(List<String> data) {}

    @Test
    void decodesTypedResultsAndReportsDecodingFailures() {
        started();
        CompletableFuture<Models> typed = client.request("model/list", Map.of(), Models.class).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"data\":[\"a\",\"b\"]}}");
        assertThat(typed.join().data()).containsExactly("a", "b");

        CompletableFuture<Models> wrong = client.request("model/list", Map.of(), Models.class).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"data\":7}}");
        assertThatThrownBy(wrong::join).hasCauseInstanceOf(ResponseDecodingException.class)
                .hasMessageContaining("model/list");
    }

    @Test
    void aTimedOutRequestIsForgottenAndItsLateResponseDropped() {
        started(builder().requestTimeout(Duration.ofMillis(200)));
        StepVerifier.create(client.request("slow", null)).expectError(RequestTimeoutException.class).verify(WAIT);
        long id = server.nextWrittenJson().get("id").asLong();
        assertThat(client.pendingRequestCount()).isZero();
        server.serverSends("{\"id\":" + id + ",\"result\":{}}");
        // a later request still works: the late response disturbed nothing
        CompletableFuture<JsonNode> next = client.request("echo", null).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{\"ok\":true}}");
        assertThat(next.join().get("ok").asBoolean()).isTrue();
    }

    @Test
    void cancellingARequestRemovesItFromThePendingTable() {
        started();
        Disposable subscription = client.request("slow", null).subscribe();
        server.nextWrittenJson();
        assertThat(client.pendingRequestCount()).isEqualTo(1);
        subscription.dispose();
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void unserializableParamsFailWithoutWritingAnything() {
        started();
        Object bad = new Object() {
            public Object getSelf() {
                return this;
            }
        };
        assertThatThrownBy(() -> client.request("x", bad).block(WAIT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'x'");
        assertThat(server.drainWritten()).isEmpty();
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aSlowHandlerTimesOutIntoADecline() {
        started(builder().approvals(ApprovalDecisions.builder()
                .onCommandExecutionAsync(request -> Mono.never())
                .handlerTimeout(Duration.ofMillis(100)).build()));
        server.serverSends("{\"method\":\"" + APPROVAL + "\",\"id\":4,\"params\":{}}");
        assertThat(server.nextWritten()).isEqualTo("{\"id\":4,\"result\":{\"decision\":\"decline\"}}");
    }

    @Test
    void aMalformedLineIsLoggedWithItsControlCharactersEscaped() {
        started();
        try (LogCapture logs = LogCapture.start()) {
            server.serverSends("garbage\u001b[31m\rINFO forged\u0000 line");
            server.awaitDelivered();
            assertThat(client.malformedLineCount()).isEqualTo(1);
            assertThat(logs.lines()).anySatisfy(l -> assertThat(l)
                    .contains("garbage\\u001b[31m\\u000dINFO forged\\u0000 line")
                    .doesNotContain("\u001b").doesNotContain("\r").doesNotContain("\u0000"));
        }
    }

    @Test
    void aRequestTheClientAnsweredIsNotLoggedAsResolvedElsewhere() {
        started();
        // codex confirms every answer with serverRequest/resolved; stage the worst case, where the reader
        // handles it while the client is still writing that answer
        server.onWrite(line -> {
            if (line.startsWith("{\"id\":5,")) {
                server.serverSends(resolved(5));
                server.awaitDelivered();
            }
        });
        try (LogCapture logs = LogCapture.start()) {
            server.serverSends("{\"method\":\"" + APPROVAL + "\",\"id\":5,\"params\":{}}");
            assertThat(server.nextWritten()).isEqualTo("{\"id\":5,\"result\":{\"decision\":\"decline\"}}");
            assertThat(logs.lines()).noneMatch(l -> l.contains("elsewhere"));
        }
    }

    private static String resolved(long requestId) {
        return "{\"method\":\"serverRequest/resolved\",\"params\":{\"threadId\":\"t\",\"requestId\":" + requestId + "}}";
    }

    @Test
    void closingBeforeStartLeavesNothingToStart() {
        client = builder().build();
        client.close();
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void experimentalMethodsFailLocallyUnlessEnabled() {
        started();
        String experimental = dev.codex4j.appserver.protocol.ClientMethods.all().stream()
                .filter(dev.codex4j.appserver.protocol.ClientMethod::experimental).findFirst().orElseThrow().name();
        assertThatThrownBy(() -> client.request(experimental, Map.of()).block(WAIT))
                .isInstanceOf(ExperimentalApiNotEnabledException.class);
        assertThat(server.drainWritten()).isEmpty();
    }

    @Test
    void experimentalMethodsAreSentWhenEnabled() {
        client = builder().experimentalApi(true).build();
        client.start().subscribe();
        assertThat(server.nextWrittenJson().at("/params/capabilities/experimentalApi").asBoolean()).isTrue();
    }

    @Test
    void typedRequestsCheckTheirParams() {
        started();
        var noParams = dev.codex4j.appserver.protocol.ClientMethods.all().stream()
                .filter(m -> m.hasNoParams() && !m.experimental()).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        var method = (dev.codex4j.appserver.protocol.ClientMethod<Object, Object>) noParams;
        assertThatThrownBy(() -> client.request(method, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes no params");
        assertThatThrownBy(() -> client.request(dev.codex4j.appserver.protocol.ClientMethods.THREAD_START, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("ThreadStartParams");
        client.request(method, null).subscribe();
        assertThat(server.nextWrittenJson().has("params")).isFalse();
    }

    @Test
    void theBuilderRejectsBadArgumentsAtOnce() {
        AppServerClientBuilder b = AppServerClient.builder();
        assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.requestTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.notificationBufferSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.workingDirectory(java.nio.file.Path.of("/no/such/dir")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/no/such/dir");
        assertThatThrownBy(() -> b.environment(Collections.singletonMap("A", null)))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("A");
        assertThatThrownBy(() -> b.arguments(java.util.Arrays.asList("a", null))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.clientInfo(new ClientInfo("", "t", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("clientInfo name must not be blank");
        assertThatThrownBy(() -> b.clientInfo(new ClientInfo("n", "t", null)))
                .isInstanceOf(NullPointerException.class).hasMessage("clientInfo version");
        assertThatThrownBy(() -> AppServerClient.builder().build().request(" ", null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMissingExecutableFailsStartWithAClearMessage() {
        client = AppServerClient.builder().executable(java.nio.file.Path.of("/no/such/codex")).build();
        assertThatThrownBy(() -> client.start().block(WAIT)).isInstanceOf(AppServerStartException.class)
                .hasMessageContaining("/no/such/codex");
    }
}

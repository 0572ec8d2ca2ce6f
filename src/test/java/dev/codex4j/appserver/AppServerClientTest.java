package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.ResponseDecodingException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.rpc.NotInitializedException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.ExperimentalApiNotEnabledException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.AppServerStartException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.InMemoryTransport;
import dev.codex4j.appserver.testing.LogCapture;
import java.time.Duration;
import java.util.ArrayList;
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

/** Client logic against a scripted in-memory server: routing, handshake, failures, threads. */
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
    void handshakeSendsInitializeThenInitialized() {
        client = builder().clientInfo(new ClientInfo("svc", "Service", "1.2.3"))
                .optOutNotificationMethods(List.of("thread/started")).build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        JsonNode initialize = server.nextWrittenJson();
        assertThat(initialize.get("method").asText()).isEqualTo("initialize");
        assertThat(initialize.has("jsonrpc")).isFalse();
        assertThat(initialize.at("/params/clientInfo").toString())
                .isEqualTo("{\"name\":\"svc\",\"title\":\"Service\",\"version\":\"1.2.3\"}");
        assertThat(initialize.at("/params/capabilities").toString())
                .isEqualTo("{\"experimentalApi\":false,\"optOutNotificationMethods\":[\"thread/started\"]}");
        assertThat(client.isReady()).isFalse();
        server.serverSends("{\"id\":" + initialize.get("id") + ",\"result\":{\"userAgent\":\"svc/0.169.0\","
                + "\"codexHome\":\"/h\",\"platformFamily\":\"unix\",\"platformOs\":\"linux\",\"extra\":1}}");
        assertThat(init.join()).isEqualTo(new InitializeResponse("/h", "unix", "linux", "svc/0.169.0"));
        assertThat(server.nextWritten()).isEqualTo("{\"method\":\"initialized\"}");
        assertThat(client.isReady()).isTrue();
        assertThat(client.start().block(WAIT)).isSameAs(init.join());
    }

    @Test
    void requestsBeforeTheHandshakeFailLocallyAndWriteNothing() {
        client = builder().build();
        assertThatThrownBy(() -> client.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(NotInitializedException.class).hasMessageContaining("model/list");
        client.start().subscribe();
        server.nextWrittenJson(); // initialize
        assertThatThrownBy(() -> client.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(NotInitializedException.class);
        assertThatThrownBy(() -> client.sendNotification("x", null).block(WAIT)).isInstanceOf(NotInitializedException.class);
        assertThat(server.drainWritten()).isEmpty();
    }

    @Test
    void routesResponsesByIdWhenAnsweredOutOfOrder() {
        started();
        CompletableFuture<JsonNode> first = client.request("echo", Map.of("n", 1)).toFuture();
        CompletableFuture<JsonNode> second = client.request("echo", Map.of("n", 2)).toFuture();
        JsonNode r1 = server.nextWrittenJson();
        JsonNode r2 = server.nextWrittenJson();
        server.serverSends("{\"id\":" + r2.get("id") + ",\"result\":{\"n\":2}}");
        server.serverSends("{\"id\":" + r1.get("id") + ",\"result\":{\"n\":1}}");
        assertThat(first.join().get("n").asInt()).isEqualTo(1);
        assertThat(second.join().get("n").asInt()).isEqualTo(2);
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aContinuationThatBlocksOnAnotherRequestStillGetsThatResponse() throws Exception {
        started();
        CompletableFuture<String> outer = client.request("first", null)
                .map(r -> Thread.currentThread().getName() + " then "
                        + client.request("second", null).block(WAIT).get("n").asInt()) // blocks its thread
                .toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id") + ",\"result\":{}}");
        JsonNode second = server.nextWrittenJson(); // sent from inside the continuation
        server.serverSends("{\"id\":" + second.get("id") + ",\"result\":{\"n\":2}}");
        // the continuation ran on the reader and held it; a second reader read the answer it waited for
        assertThat(outer.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .startsWith(InMemoryTransport.READER_THREAD).endsWith(" then 2");
        assertThat(server.readerThreads()).isGreaterThanOrEqualTo(2);
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
    void errorResponsesBecomeExceptionsWithCodeMessageAndData() {
        started();
        CompletableFuture<JsonNode> withData = client.request("thread/read", Map.of()).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id")
                + ",\"error\":{\"code\":-32600,\"message\":\"no such thread\",\"data\":{\"threadId\":\"t1\"}}}");
        assertThatThrownBy(withData::join).cause().isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
            assertThat(e.method()).isEqualTo("thread/read");
            assertThat(e.code()).isEqualTo(-32600);
            assertThat(e.errorMessage()).isEqualTo("no such thread");
            assertThat(e.data().get("threadId").asText()).isEqualTo("t1");
        });
        CompletableFuture<JsonNode> withoutData = client.request("nope", null).toFuture();
        server.serverSends("{\"id\":" + server.nextWrittenJson().get("id")
                + ",\"error\":{\"code\":-32601,\"message\":\"method not found\"}}");
        assertThatThrownBy(withoutData::join).cause().isInstanceOfSatisfying(JsonRpcErrorException.class,
                e -> assertThat(e.data()).isNull());
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
    void malformedLinesAreSkippedAndCountedAndGoodLinesAroundThemDelivered() {
        started();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch two = new CountDownLatch(2);
        client.notifications().subscribe(n -> {
            seen.add(n.method());
            two.countDown();
        });
        server.serverSends("{\"method\":\"a\"}");
        server.serverSends("this is not json");
        server.serverSends("[1,2,3]");
        server.serverSends("{\"method\":\"b\"}");
        await(two);
        assertThat(seen).containsExactly("a", "b");
        assertThat(client.malformedLineCount()).isEqualTo(2);
    }

    @Test
    void notificationsSubscribedBeforeStartSeeThoseSentDuringTheHandshake() {
        client = builder().build();
        List<Notification> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch one = new CountDownLatch(1);
        client.notifications().subscribe(n -> {
            seen.add(n);
            one.countDown();
        });
        client.start().subscribe();
        JsonNode initialize = server.nextWrittenJson();
        server.serverSends("{\"method\":\"configWarning\",\"params\":{\"summary\":\"s\"}}");
        server.serverSends("{\"id\":" + initialize.get("id") + ",\"result\":{}}");
        await(one);
        assertThat(seen).singleElement().satisfies(n -> {
            assertThat(n.method()).isEqualTo("configWarning");
            assertThat(n.params().get("summary").asText()).isEqualTo("s");
        });
    }

    @Test
    void subscribersRunOffTheReaderThreadInWireOrder() {
        started();
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(100);
        client.notifications("tick").subscribe(n -> {
            threads.add(Thread.currentThread().getName());
            order.add(n.params().get("i").asInt());
            all.countDown();
        });
        for (int i = 0; i < 100; i++) {
            server.serverSends("{\"method\":\"tick\",\"params\":{\"i\":" + i + "}}");
            server.serverSends("{\"method\":\"other\"}");
        }
        await(all);
        assertThat(order).isSorted().hasSize(100);
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("codex4j-dispatch"));
    }

    @Test
    void approvalHandlersRunOffTheReaderThreadAndMayCallTheClient() {
        CompletableFuture<String> handlerThread = new CompletableFuture<>();
        AppServerClient[] self = new AppServerClient[1];
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecution(request -> {
            handlerThread.complete(Thread.currentThread().getName());
            JsonNode echoed = self[0].request("echo", Map.of("from", "handler")).block(WAIT);
            return echoed.get("from").asText().equals("handler") ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE;
        }).build()));
        self[0] = client;
        server.serverSends("{\"method\":\"" + APPROVAL + "\",\"id\":0,\"params\":{\"itemId\":\"i1\",\"command\":\"ls\"}}");
        JsonNode nested = server.nextWrittenJson();
        assertThat(nested.get("method").asText()).isEqualTo("echo");
        server.serverSends("{\"id\":" + nested.get("id") + ",\"result\":{\"from\":\"handler\"}}");
        assertThat(server.nextWritten()).isEqualTo("{\"id\":0,\"result\":{\"decision\":\"accept\"}}");
        assertThat(handlerThread.join()).startsWith("codex4j-handler").isNotEqualTo(InMemoryTransport.READER_THREAD);
    }

    @Test
    void aThrowingHandlerDeclines() {
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecution(request -> {
            throw new IllegalStateException("handler bug");
        }).build()));
        server.serverSends("{\"method\":\"" + APPROVAL + "\",\"id\":\"abc\",\"params\":{}}");
        assertThat(server.nextWritten()).isEqualTo("{\"id\":\"abc\",\"result\":{\"decision\":\"decline\"}}");
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
    void approvalsAreDeclinedByDefaultAndUnknownServerRequestsGetMethodNotFound() {
        started();
        server.serverSends("{\"method\":\"item/fileChange/requestApproval\",\"id\":1,\"params\":{}}");
        assertThat(server.nextWritten()).isEqualTo("{\"id\":1,\"result\":{\"decision\":\"decline\"}}");
        server.serverSends("{\"method\":\"some/futureRequest\",\"id\":2,\"params\":{}}");
        assertThat(server.nextWritten())
                .isEqualTo("{\"id\":2,\"error\":{\"code\":-32601,\"message\":\"method not found: some/futureRequest\"}}");
    }

    @Test
    void aRequestResolvedElsewhereCancelsItsHandlerAndNothingIsSent() throws Exception {
        CountDownLatch handlerStarted = new CountDownLatch(1);
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecutionAsync(request -> Mono
                .<CommandExecutionApprovalDecision>never()
                .doOnSubscribe(s -> handlerStarted.countDown())
                .doOnCancel(() -> cancelled.complete(true))).build()));
        server.serverSends("{\"method\":\"" + APPROVAL + "\",\"id\":9,\"params\":{}}");
        await(handlerStarted);
        try (LogCapture logs = LogCapture.start()) {
            server.serverSends(resolved(9));
            assertThat(cancelled.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(logs.lines()).contains("server resolved request 9 elsewhere; cancelling its handler");
        }
        // prove the writer is idle: a request made now is the next thing written
        client.request("echo", null).subscribe();
        assertThat(server.nextWrittenJson().get("method").asText()).isEqualTo("echo");
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
    void processDeathFailsEverythingPendingWithExitCodeAndStderr() {
        started();
        CompletableFuture<JsonNode> a = client.request("a", null).toFuture();
        CompletableFuture<JsonNode> b = client.request("b", null).toFuture();
        CompletableFuture<Throwable> streamError = new CompletableFuture<>();
        client.notifications().subscribe(n -> {}, streamError::complete);
        server.nextWritten();
        server.nextWritten();
        server.serverExits(3, "thread 'main' panicked", "boom");
        for (CompletableFuture<JsonNode> f : List.of(a, b)) {
            assertThatThrownBy(f::join).cause().isInstanceOfSatisfying(ConnectionClosedException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(3);
                assertThat(e.stderrTail()).containsExactly("thread 'main' panicked", "boom");
                assertThat(e.closedByClient()).isFalse();
                assertThat(e.getMessage()).contains("exit code 3").contains("boom");
            });
        }
        assertThat(streamError.join()).isInstanceOf(ConnectionClosedException.class);
        assertThat(client.isReady()).isFalse();
        assertThatThrownBy(() -> client.request("c", null).block(WAIT)).isInstanceOf(ConnectionClosedException.class);
        StepVerifier.create(client.notifications()).expectError(ConnectionClosedException.class).verify(WAIT);
    }

    @Test
    void closeFailsPendingRequestsCompletesNotificationsAndIsIdempotent() {
        started();
        CompletableFuture<JsonNode> pendingRequest = client.request("a", null).toFuture();
        server.nextWritten();
        StepVerifier notifications = StepVerifier.create(client.notifications()).expectComplete().verifyLater();
        client.close();
        client.close();
        assertThatThrownBy(pendingRequest::join).cause().isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> assertThat(e.closedByClient()).isTrue());
        notifications.verify(WAIT);
        StepVerifier.create(client.notifications()).expectComplete().verify(WAIT);
        assertThatThrownBy(() -> client.request("b", null).block(WAIT)).isInstanceOf(ConnectionClosedException.class);
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

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(5, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out waiting");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.NotInitializedException;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.testing.TestThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * What the client does whatever carries its messages: one suite, run over each
 * {@link dev.codex4j.appserver.transport.Transport} by a subclass that provides the server end as a
 * {@link ScriptedServer} ({@link InMemoryClientContractTest}: {@code InMemoryTransport};
 * {@link StdioClientContractTest}: a real {@code FakeAppServer} process over stdio). The test plays the server
 * line by line, so each test reads the same over both.
 */
@Timeout(60)
abstract class ClientContractTest {

    /** The server end of one test's connection, played by the test. */
    protected interface ScriptedServer extends AutoCloseable {

        /** A client builder whose connection leads to this server. */
        AppServerClientBuilder clientBuilder();

        /** The next line the client wrote, waiting a few seconds at most. */
        String receive();

        /** Writes one line to the client, after everything written before. */
        void send(String line);

        /** The server ends: it writes {@code stderrLines} to its diagnostic stream, then exits with {@code code}. */
        void exit(int code, String... stderrLines);

        /**
         * Checks how the client reported the end {@link #exit} caused: the exit code and stderr lines, for a server
         * that is a process of the client's. A server over a network has neither; its transport says what it can.
         */
        default void assertEndReported(ConnectionClosedException e, int code, String... stderrLines) {
            assertThat(e.exitCode()).isEqualTo(code);
            assertThat(e.stderrTail()).endsWith(stderrLines);
            assertThat(e.getMessage()).contains("exit code " + code).contains(stderrLines[stderrLines.length - 1]);
        }

        /** The name prefix of the threads on which the transport hands the client what it reads. */
        String readerThread();

        @Override
        void close();
    }

    /** The server for one test; closed after it, once its client is. */
    protected abstract ScriptedServer openServer() throws Exception;

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** How soon pending work fails once the connection ends. */
    private static final Duration AT_ONCE = Duration.ofSeconds(1);
    private static final String APPROVAL = "item/commandExecution/requestApproval";
    private static final String INITIALIZE_RESULT = "{\"userAgent\":\"scripted/1.0\",\"codexHome\":\"/h\","
            + "\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScriptedServer server;
    private AppServerClient client;

    @BeforeEach
    void open() throws Exception {
        server = openServer();
    }

    @AfterEach
    void close() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            server.close();
        }
    }

    private AppServerClientBuilder builder() {
        return server.clientBuilder().requestTimeout(WAIT);
    }

    private AppServerClient started() {
        return started(builder());
    }

    /** Builds the client and plays the server's side of the handshake. */
    private AppServerClient started(AppServerClientBuilder builder) {
        client = builder.build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        answer(receive("initialize"), INITIALIZE_RESULT);
        receive("initialized");
        assertThat(await(init).userAgent()).isEqualTo("scripted/1.0");
        return client;
    }

    /** The next message the client wrote, which must be of {@code method}. */
    private JsonNode receive(String method) {
        JsonNode message = json(server.receive());
        assertThat(message.path("method").asText()).as("method of %s", message).isEqualTo(method);
        return message;
    }

    private void answer(JsonNode request, String resultJson) {
        server.send("{\"id\":" + request.get("id") + ",\"result\":" + resultJson + "}");
    }

    @Test
    void theHandshakeSendsInitializeThenInitializedAndStartReplaysItsAnswer() {
        client = builder().clientInfo(new ClientInfo("svc", "Service", "1.2.3"))
                .optOutNotificationMethods(List.of("thread/started")).build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();

        JsonNode initialize = receive("initialize");
        assertThat(initialize.has("jsonrpc")).isFalse();
        assertThat(initialize.at("/params/clientInfo"))
                .isEqualTo(json("{\"name\":\"svc\",\"title\":\"Service\",\"version\":\"1.2.3\"}"));
        assertThat(initialize.at("/params/capabilities"))
                .isEqualTo(json("{\"experimentalApi\":false,\"optOutNotificationMethods\":[\"thread/started\"]}"));
        assertThat(client.isReady()).isFalse();
        server.send("{\"id\":" + initialize.get("id") + ",\"result\":{\"userAgent\":\"svc/0.169.0\","
                + "\"codexHome\":\"/h\",\"platformFamily\":\"unix\",\"platformOs\":\"linux\",\"extra\":1}}");

        assertThat(await(init)).isEqualTo(new InitializeResponse("/h", "unix", "linux", "svc/0.169.0"));
        assertThat(json(server.receive())).isEqualTo(json("{\"method\":\"initialized\"}"));
        assertThat(client.isReady()).isTrue();
        assertThat(client.start().block(WAIT)).isSameAs(init.join());
        // the second start wrote nothing: what the client writes next is the next thing the server reads
        client.sendNotification("probe", null).block(WAIT);
        receive("probe");
    }

    @Test
    void requestsBeforeTheHandshakeFailLocallyAndWriteNothing() {
        client = builder().build();
        assertThatThrownBy(() -> client.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(NotInitializedException.class).hasMessageContaining("model/list");
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        JsonNode initialize = receive("initialize");

        assertThatThrownBy(() -> client.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(NotInitializedException.class);
        assertThatThrownBy(() -> client.sendNotification("x", null).block(WAIT))
                .isInstanceOf(NotInitializedException.class);
        answer(initialize, INITIALIZE_RESULT);
        await(init);
        receive("initialized"); // nothing came between initialize and initialized
    }

    @Test
    void aRequestCarriesItsMethodAndParamsAndIsAnsweredWithItsResult() {
        started();
        CompletableFuture<JsonNode> reply = client.request("model/list", Map.of("limit", 2)).toFuture();

        JsonNode request = receive("model/list");
        assertThat(request.get("params")).isEqualTo(json("{\"limit\":2}"));
        assertThat(request.get("id").isIntegralNumber()).isTrue();
        assertThat(request.has("jsonrpc")).isFalse();
        assertThat(client.pendingRequestCount()).isEqualTo(1);
        answer(request, "{\"data\":[\"a\",\"b\"]}");

        assertThat(await(reply)).isEqualTo(json("{\"data\":[\"a\",\"b\"]}"));
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aNotificationFromTheClientReachesTheServerWithoutAnId() {
        started();
        client.sendNotification("client/note", Map.of("k", "v")).block(WAIT);
        assertThat(json(server.receive())).isEqualTo(json("{\"method\":\"client/note\",\"params\":{\"k\":\"v\"}}"));
    }

    @Test
    void errorAnswersBecomeJsonRpcErrorExceptionsWithCodeMessageAndData() {
        started();
        CompletableFuture<JsonNode> withData = client.request("thread/read", Map.of()).toFuture();
        server.send("{\"id\":" + receive("thread/read").get("id")
                + ",\"error\":{\"code\":-32600,\"message\":\"no such thread\",\"data\":{\"threadId\":\"t1\"}}}");
        assertThat(failure(withData)).isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
            assertThat(e.method()).isEqualTo("thread/read");
            assertThat(e.code()).isEqualTo(-32600);
            assertThat(e.errorMessage()).isEqualTo("no such thread");
            assertThat(e.data().get("threadId").asText()).isEqualTo("t1");
        });

        CompletableFuture<JsonNode> withoutData = client.request("nope", null).toFuture();
        server.send("{\"id\":" + receive("nope").get("id")
                + ",\"error\":{\"code\":-32601,\"message\":\"method not found\"}}");
        assertThat(failure(withoutData)).isInstanceOfSatisfying(JsonRpcErrorException.class, e -> {
            assertThat(e.code()).isEqualTo(-32601);
            assertThat(e.data()).isNull();
        });
    }

    @Test
    void concurrentRequestsAnsweredInAnotherOrderEachGetTheirOwnResult() {
        started();
        int threads = 4;
        int perThread = 25;
        Map<String, CompletableFuture<JsonNode>> replies = Collections.synchronizedMap(new HashMap<>());
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            senders.add(TestThreads.start("sender-" + t, () -> {
                for (int i = 0; i < perThread; i++) {
                    replies.put(thread + "/" + i, client.request("echo", Map.of("key", thread + "/" + i)).toFuture());
                }
            }));
        }
        List<JsonNode> requests = new ArrayList<>();
        for (int i = 0; i < threads * perThread; i++) {
            requests.add(receive("echo"));
        }
        senders.forEach(ClientContractTest::await);
        assertThat(requests.stream().map(r -> r.get("id")).distinct()).hasSize(threads * perThread);

        Collections.shuffle(requests, new Random(42));
        requests.forEach(r -> answer(r, "{\"key\":" + r.at("/params/key") + "}"));

        assertThat(replies).hasSize(threads * perThread).allSatisfy((key, reply) ->
                assertThat(await(reply).get("key").asText()).isEqualTo(key));
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aContinuationThatBlocksTheReaderOnAnotherRequestStillGetsThatResponse() {
        started();
        CompletableFuture<String> outer = client.request("first", null)
                .map(r -> Thread.currentThread().getName() + " then "
                        + client.request("second", null).block(WAIT).get("n").asInt()) // blocks its thread
                .toFuture();
        answer(receive("first"), "{}");
        answer(receive("second"), "{\"n\":2}"); // sent from inside the continuation, which holds the reader
        assertThat(await(outer)).startsWith(server.readerThread()).endsWith(" then 2");
    }

    @Test
    void notificationsReachEverySubscriberInWireOrderOffTheReaderThread() {
        started();
        CompletableFuture<List<String>> everything = client.notifications()
                .takeUntil(n -> n.method().equals("done"))
                .map(n -> n.method() + n.params().path("i").asText())
                .collectList().toFuture();
        CompletableFuture<List<String>> ticks = client.notifications("tick").take(100)
                .map(n -> n.params().get("i").asText() + "@" + Thread.currentThread().getName())
                .collectList().toFuture();
        List<String> sent = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            server.send("{\"method\":\"tick\",\"params\":{\"i\":" + i + "}}");
            server.send("{\"method\":\"other\",\"params\":{\"i\":" + i + "}}");
            sent.add("tick" + i);
            sent.add("other" + i);
        }
        server.send("{\"method\":\"done\"}");
        sent.add("done");

        assertThat(await(everything)).containsExactlyElementsOf(sent);
        List<String> tickList = await(ticks);
        assertThat(tickList).extracting(s -> Integer.parseInt(s.substring(0, s.indexOf('@'))))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).boxed().toList());
        assertThat(tickList).allSatisfy(s -> assertThat(s.substring(s.indexOf('@') + 1))
                .startsWith("codex4j-dispatch").doesNotStartWith(server.readerThread()));
    }

    @Test
    void typedNotificationsAreDecodedAndUnknownOnesPassThrough() {
        started();
        CompletableFuture<AgentMessageDeltaNotification> delta =
                client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA).next().toFuture();
        CompletableFuture<List<ServerNotification>> all = client.typedNotifications().take(2).collectList().toFuture();

        server.send("{\"method\":\"some/futureNotification\",\"params\":{\"x\":1}}");
        server.send("{\"method\":\"item/agentMessage/delta\",\"params\":"
                + "{\"threadId\":\"t\",\"turnId\":\"u\",\"itemId\":\"i\",\"delta\":\"hel\"}}");

        assertThat(await(delta)).isEqualTo(new AgentMessageDeltaNotification("hel", "i", "t", "u"));
        assertThat(await(all)).satisfiesExactly(
                unknown -> assertThat(unknown).isInstanceOfSatisfying(ServerNotification.UnknownNotification.class,
                        u -> assertThat(u.params()).isEqualTo(json("{\"x\":1}"))),
                known -> assertThat(known).isInstanceOfSatisfying(ServerNotification.ItemAgentMessageDelta.class,
                        d -> assertThat(d.params().delta()).isEqualTo("hel")));
    }

    @Test
    void subscribersBeforeStartSeeNotificationsSentDuringTheHandshake() {
        client = builder().build();
        CompletableFuture<Notification> first = client.notifications().next().toFuture();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        JsonNode initialize = receive("initialize");
        server.send("{\"method\":\"configWarning\",\"params\":{\"summary\":\"s\"}}");
        answer(initialize, INITIALIZE_RESULT);

        assertThat(await(first)).satisfies(n -> {
            assertThat(n.method()).isEqualTo("configWarning");
            assertThat(n.params().get("summary").asText()).isEqualTo("s");
        });
        await(init);
    }

    @Test
    void malformedLinesAreSkippedAndCountedAndTheGoodLinesAroundThemDelivered() {
        started();
        CompletableFuture<List<String>> seen = client.notifications().take(2).map(Notification::method)
                .collectList().toFuture();
        server.send("{\"method\":\"a\"}");
        server.send("this is not json");
        server.send("[1,2,3]");
        server.send("{\"method\":\"b\"}");

        assertThat(await(seen)).containsExactly("a", "b");
        assertThat(client.malformedLineCount()).isEqualTo(2);
    }

    @Test
    void anApprovalHandlerAnswersTheServerOffTheReaderThreadAndMayCallTheClient() {
        CompletableFuture<String> handlerThread = new CompletableFuture<>();
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecution(request -> {
            handlerThread.complete(Thread.currentThread().getName());
            JsonNode echoed = client.request("echo", Map.of("from", "handler")).block(WAIT);
            return echoed.get("from").asText().equals("handler")
                    ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE;
        }).build()));
        server.send("{\"method\":\"" + APPROVAL + "\",\"id\":0,\"params\":{\"itemId\":\"i1\",\"command\":\"ls\"}}");

        answer(receive("echo"), "{\"from\":\"handler\"}");
        assertThat(json(server.receive())).isEqualTo(json("{\"id\":0,\"result\":{\"decision\":\"accept\"}}"));
        assertThat(await(handlerThread)).startsWith("codex4j-handler");
    }

    @Test
    void withoutAHandlerApprovalsAreDeclinedInKindAndUnknownServerRequestsGetMethodNotFound() {
        started();
        server.send("{\"method\":\"item/fileChange/requestApproval\",\"id\":\"s-1\",\"params\":{}}");
        assertThat(json(server.receive())).isEqualTo(json("{\"id\":\"s-1\",\"result\":{\"decision\":\"decline\"}}"));
        server.send("{\"method\":\"some/futureRequest\",\"id\":2,\"params\":{}}");
        assertThat(json(server.receive())).isEqualTo(
                json("{\"id\":2,\"error\":{\"code\":-32601,\"message\":\"method not found: some/futureRequest\"}}"));
    }

    @Test
    void aThrowingHandlerDeclines() {
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecution(request -> {
            throw new IllegalStateException("handler bug");
        }).build()));
        server.send("{\"method\":\"" + APPROVAL + "\",\"id\":\"abc\",\"params\":{}}");
        assertThat(json(server.receive())).isEqualTo(json("{\"id\":\"abc\",\"result\":{\"decision\":\"decline\"}}"));
    }

    /** A command approval handler that never answers: when it was asked, and when it was cancelled. */
    private record SilentHandler(CompletableFuture<Boolean> asked, CompletableFuture<Boolean> cancelled) {}

    /** Starts the client with a {@link SilentHandler} for command approvals. */
    private SilentHandler startedWithASilentHandler() {
        SilentHandler handler = new SilentHandler(new CompletableFuture<>(), new CompletableFuture<>());
        started(builder().approvals(ApprovalDecisions.builder().onCommandExecutionAsync(request -> Mono
                .<CommandExecutionApprovalDecision>never()
                .doOnSubscribe(s -> handler.asked().complete(true))
                .doOnCancel(() -> handler.cancelled().complete(true))).build()));
        return handler;
    }

    /** The server asks for a command approval with {@code id}; returns once {@code handler} has it. */
    private void askForApproval(SilentHandler handler, int id) {
        server.send("{\"method\":\"" + APPROVAL + "\",\"id\":" + id + ",\"params\":{}}");
        await(handler.asked());
    }

    @Test
    void aServerRequestResolvedElsewhereCancelsItsHandlerAndNothingIsSent() {
        SilentHandler handler = startedWithASilentHandler();
        askForApproval(handler, 9);
        server.send("{\"method\":\"serverRequest/resolved\",\"params\":{\"threadId\":\"t\",\"requestId\":9}}");

        assertThat(await(handler.cancelled())).isTrue();
        // the handler answered nothing: a request made now is the next thing the server reads
        client.request("echo", null).toFuture();
        receive("echo");
    }

    @Test
    void closeFailsEveryPendingRequestAtOnceCompletesNotificationsAndIsIdempotent() {
        started();
        List<CompletableFuture<JsonNode>> pending = List.of(client.request("a", null).toFuture(),
                client.request("b", null).toFuture(), client.request("c", null).toFuture());
        receive("a");
        receive("b");
        receive("c");
        StepVerifier notifications = StepVerifier.create(client.notifications()).expectComplete().verifyLater();

        client.close();
        long closedAt = System.nanoTime();
        client.close();

        for (CompletableFuture<JsonNode> request : pending) {
            assertThat(failureWithin(request, closedAt)).isInstanceOfSatisfying(ConnectionClosedException.class,
                    e -> assertThat(e.closedByClient()).isTrue());
        }
        assertThat(client.pendingRequestCount()).isZero();
        notifications.verify(WAIT);
        StepVerifier.create(client.notifications()).expectComplete().verify(WAIT);
        assertThatThrownBy(() -> client.request("d", null).block(WAIT)).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void theServerEndingFailsEverythingPendingAtOnceWithItsExitCodeAndStderr() {
        SilentHandler handler = startedWithASilentHandler();
        CompletableFuture<JsonNode> a = client.request("a", null).toFuture();
        CompletableFuture<JsonNode> b = client.request("b", null).toFuture();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        receive("a");
        receive("b");
        askForApproval(handler, 5);

        long exitedAt = System.nanoTime();
        server.exit(3, "thread 'main' panicked", "boom");

        for (CompletableFuture<?> pending : List.of(a, b, stream)) {
            assertThat(failureWithin(pending, exitedAt)).isInstanceOfSatisfying(ConnectionClosedException.class, e -> {
                server.assertEndReported(e, 3, "thread 'main' panicked", "boom");
                assertThat(e.closedByClient()).isFalse();
            });
        }
        assertThat(await(handler.cancelled())).isTrue();
        assertThat(client.isReady()).isFalse();
        assertThatThrownBy(() -> client.request("c", null).block(WAIT)).isInstanceOf(ConnectionClosedException.class);
        StepVerifier.create(client.notifications()).expectError(ConnectionClosedException.class).verify(WAIT);
    }

    @Test
    void aServerThatEndsDuringTheHandshakeFailsStartWithItsExitCodeAndStderr() {
        client = builder().build();
        CompletableFuture<InitializeResponse> init = client.start().toFuture();
        receive("initialize");
        server.exit(2, "fatal: bad config");

        assertThat(failure(init)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> server.assertEndReported(e, 2, "fatal: bad config"));
        assertThat(client.isReady()).isFalse();
    }

    @Test
    void aServerThatNeverAnswersInitializeTimesOutAndIsEnded() {
        client = builder().requestTimeout(Duration.ofMillis(500)).build();
        // (not waiting for the server to read it: a process may be ended before it has)
        CompletableFuture<InitializeResponse> init = client.start().toFuture();

        assertThat(failure(init)).isInstanceOf(RequestTimeoutException.class).hasMessageContaining("initialize");
        StepVerifier.create(client.notifications()).expectComplete().verify(WAIT);
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("failed instead of completing", e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("not completed within " + WAIT, e);
        }
    }

    /** The exception {@code future} failed with. */
    private static Throwable failure(CompletableFuture<?> future) {
        return failureWithin(future, System.nanoTime(), WAIT);
    }

    /** The exception {@code future} failed with, asserting it failed within {@link #AT_ONCE} of {@code since}. */
    private static Throwable failureWithin(CompletableFuture<?> future, long since) {
        return failureWithin(future, since, AT_ONCE);
    }

    private static Throwable failureWithin(CompletableFuture<?> future, long since, Duration within) {
        try {
            Object value = future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("completed instead of failing: " + value);
        } catch (ExecutionException e) {
            assertThat(Duration.ofNanos(System.nanoTime() - since)).as("time to fail").isLessThan(within);
            return e.getCause();
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("still waiting after " + WAIT, e);
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

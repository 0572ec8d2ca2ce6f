package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.rpc.AppServerStartException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnResult;
import dev.codex4j.appserver.transport.LocalWebSocketServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * The pinned codex binary's WebSocket listener ({@code --listen ws://127.0.0.1:0}) against a scripted model: the
 * capability token (right and wrong), a turn with an approval through the thread API, a killed server, a sidecar
 * shared by clients, and a signed JWT ({@code --ws-auth signed-bearer-token}) made here with the JDK's HMAC-SHA256.
 */
@Timeout(120)
class WebSocketRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private ScriptedModel model;
    private RealCodex codex;
    private LocalWebSocketServer server;
    private final List<AppServerClient> clients = new ArrayList<>();

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        clients.forEach(AppServerClient::close);
        if (server != null) {
            server.close();
        }
        model.close();
        codex.close();
    }

    private LocalWebSocketServer.Builder serverBuilder() {
        return LocalWebSocketServer.builder().executable(codex.executable()).arguments(codex.appServerArguments())
                .environment(codex.environment()).inheritEnvironment(false).workingDirectory(codex.workspace());
    }

    private AppServerClient client(AppServerClientBuilder builder) {
        AppServerClient client = builder.requestTimeout(WAIT).build();
        clients.add(client);
        return client;
    }

    @Test
    void theHandshakeModelListAndATurnWithAnApprovalRunOverTheSocket() throws Exception {
        server = serverBuilder().start();
        assertThat(server.uri().toString()).matches("ws://127\\.0\\.0\\.1:\\d+");
        AppServerClient client = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server.bearerToken()).clientInfo(new ClientInfo("ws-test", "WS Test", "1.0.0"))
                .approvals(ApprovalDecisions.builder()
                        .onCommandExecution(request -> CommandExecutionApprovalDecision.ACCEPT).build()));

        InitializeResponse init = client.start().block(WAIT);
        assertThat(init.userAgent()).startsWith("ws-test/0.169.0");
        assertThat(init.codexHome()).isEqualTo(codex.codexHome().toString());
        JsonNode models = client.request("model/list", Map.of()).block(WAIT);
        assertThat(models.get("data").isArray()).isTrue();

        model.enqueue(Reply.escalatedExecCommand("call-1", "touch over-ws.txt", "needs a file"),
                Reply.streamedMessage("made ", "it"));
        CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
        TurnResult result = thread.run("make a file").block(WAIT);

        assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(result.finalResponse()).isEqualTo("made it");
        assertThat(result.itemsOf(ThreadItem.CommandExecution.class)).singleElement()
                .satisfies(c -> assertThat(c.status().toString()).isEqualToIgnoringCase("completed"));
        assertThat(codex.workspace().resolve("over-ws.txt")).exists();
    }

    @Test
    void overAUnixSocketTheHandshakeAndATurnWithAnApprovalRunAndKillingTheServerFailsWhatIsPending()
            throws Exception {
        Path socket = dir.resolve("codex.sock");
        List<String> command = new ArrayList<>(codex.command());
        command.addAll(List.of("--listen", "unix://" + socket));
        ProcessBuilder spawn = new ProcessBuilder(command).directory(codex.workspace().toFile())
                .redirectErrorStream(true).redirectOutput(dir.resolve("codex.log").toFile());
        spawn.environment().clear();
        spawn.environment().putAll(codex.environment());
        Process process = spawn.start();
        try {
            URI uri = URI.create("unix://" + socket);
            AppServerClient client = client(AppServerClient.builder().webSocket(uri)
                    .clientInfo(new ClientInfo("unix-test", "Unix Test", "1.0.0"))
                    .approvals(ApprovalDecisions.builder()
                            .onCommandExecution(request -> CommandExecutionApprovalDecision.ACCEPT).build()));
            InitializeResponse init = startOnceListening(client, socket);
            assertThat(init.userAgent()).startsWith("unix-test/0.169.0");

            model.enqueue(Reply.escalatedExecCommand("call-1", "touch over-unix.txt", "needs a file"),
                    Reply.streamedMessage("made ", "it"));
            TurnResult result = CodexThreads.of(client).start(ThreadOptions.defaults())
                    .flatMap(t -> t.run("make a file")).block(WAIT);
            assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(result.finalResponse()).isEqualTo("made it");
            assertThat(codex.workspace().resolve("over-unix.txt")).exists();

            model.enqueue(Reply.escalatedExecCommand("call-2", "touch never.txt", "needs a file"));
            CompletableFuture<JsonNode> pending = client.request("model/list", Map.of()).toFuture();
            pending.get(WAIT.toSeconds(), TimeUnit.SECONDS); // answered: the connection works both ways
            CompletableFuture<TurnResult> running = CodexThreads.of(client).start(ThreadOptions.defaults())
                    .flatMap(t -> t.run("hold on")).toFuture();
            process.destroyForcibly();
            assertThat(Futures.failure(running, WAIT)).isInstanceOf(ConnectionClosedException.class)
                    .hasMessageContaining("unix://" + socket);
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            if (Files.isSymbolicLink(socket)) { // killed, codex left its socket behind the link
                Files.deleteIfExists(Files.readSymbolicLink(socket));
            }
        }
    }

    /**
     * Starts {@code client} once codex listens on its socket. Codex prints nothing when it does; it links the socket
     * at the path it was given once it listens, so the link's creation is awaited (a file-system event).
     */
    private InitializeResponse startOnceListening(AppServerClient client, Path socket) throws Exception {
        try (java.nio.file.WatchService watcher = socket.getFileSystem().newWatchService()) {
            socket.getParent().register(watcher, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (!Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                java.nio.file.WatchKey key = watcher.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                assertThat(key).as("codex created " + socket + " within " + WAIT).isNotNull();
                key.pollEvents();
                key.reset();
            }
        }
        for (int attempt = 1;; attempt++) {
            try {
                return client.start().block(WAIT);
            } catch (AppServerStartException e) { // linked a moment before it listens: the next attempt connects
                if (attempt == 20 || !e.getMessage().contains("cannot connect")) {
                    throw e;
                }
            }
        }
    }

    @Test
    void codexAnswersTheKeepAlivePingsSoAnIdleConnectionStaysUp() throws Exception {
        server = serverBuilder().start();
        Duration interval = Duration.ofMillis(500); // a pong must be in within one: room for a loaded machine
        AppServerClient client = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server.bearerToken()).pingInterval(interval));
        client.start().block(WAIT);
        List<ConnectionEvent> events = new CopyOnWriteArrayList<>();
        client.connectionEvents().subscribe(events::add);

        // Idle for six intervals: the client pings after each silent one and gives the connection up when a
        // ping goes unanswered for another. Time passing is what is tested here, so it is slept, not awaited.
        Thread.sleep(interval.multipliedBy(6).toMillis());

        assertThat(events).isEmpty();
        assertThat(client.request("model/list", Map.of()).block(WAIT).has("data")).isTrue();
    }

    @Test
    void aWrongTokenIsRefusedWith401AndTheServerServesTheRightOne() throws Exception {
        server = serverBuilder().start();
        AppServerClient wrong = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken("not-the-capability-token"));

        assertThatThrownBy(() -> wrong.start().block(WAIT)).isInstanceOf(AppServerStartException.class)
                .hasMessageContaining(server.uri().toString())
                .hasMessageContaining("HTTP 401 (invalid websocket bearer token): check the bearer token")
                .hasMessageNotContaining("not-the-capability-token").hasMessageNotContaining(server.bearerToken());

        assertThat(server.isAlive()).isTrue();
        AppServerClient right = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server::bearerToken));
        right.start().block(WAIT);
        assertThat(right.request("model/list", Map.of()).block(WAIT).has("data")).isTrue();
    }

    @Test
    void killingAnOwnedServerFailsWhatIsPendingAtOnceWithTheEndpointAndItsExitCode() throws Exception {
        AppServerClient client = client(AppServerClient.builder().transport(serverBuilder()::ownedTransport));
        client.start().block(WAIT);
        ProcessHandle codexProcess = ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--listen")).orElse(false))
                .findFirst().orElseThrow();
        // answered only when the command ends: a dependable pending request
        CompletableFuture<JsonNode> pending = client.request("command/exec",
                Map.of("command", List.of("sleep", "30"))).toFuture();
        CompletableFuture<?> stream = client.notifications().then().toFuture();

        long t0 = System.nanoTime();
        codexProcess.destroyForcibly();

        for (CompletableFuture<?> f : List.of(pending, stream)) {
            assertThat(failure(f)).isInstanceOfSatisfying(ConnectionClosedException.class, e -> {
                // 1006 (an end of stream), or a connection reset when the kernel dropped input it had unread
                assertThat(e.getMessage()).containsPattern("the WebSocket connection to ws://127\\.0\\.0\\.1:\\d+ "
                        + "was lost \\((close code 1006|java.net.SocketException: Connection reset)");
                assertThat(e.exitCode()).isEqualTo(137);
                assertThat(e.stderrTail()).anyMatch(l -> l.contains("listening on: ws://127.0.0.1:"));
            });
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
        client.close();
        assertThat(ProcessHandle.current().children().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("--listen")).orElse(false)))
                .isEmpty();
    }

    @Test
    void aSidecarServesClientsInTurnAndCloseEndsItsProcessTree() throws Exception {
        server = serverBuilder().start();
        AppServerClient first = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server.bearerToken()));
        AppServerClient second = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server.bearerToken()));
        first.start().block(WAIT);
        second.start().block(WAIT);
        String threadId = first.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
        first.close();

        assertThat(server.isAlive()).isTrue();
        JsonNode read = second.request("thread/read", Map.of("threadId", threadId)).block(WAIT);
        assertThat(read.at("/thread/id").asText()).isEqualTo(threadId);

        long pid = server.pid();
        server.close();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThatThrownBy(() -> second.request("model/list", Map.of()).block(WAIT))
                .isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void aSignedJwtFromASupplierIsAcceptedAndAWrongSignatureOrAnExpiredOneRefused() throws Exception {
        byte[] secret = "0123456789abcdef0123456789abcdef-secret".getBytes(StandardCharsets.US_ASCII);
        Path secretFile = Files.write(dir.resolve("ws-secret"), secret);
        Process process = spawn("ws://127.0.0.1:0", "--ws-auth", "signed-bearer-token",
                "--ws-shared-secret-file", secretFile.toString(), "--ws-issuer", "codex4j-test",
                "--ws-audience", "app-server");
        try {
            URI uri = listeningUri(process);
            long now = System.currentTimeMillis() / 1000;
            AtomicInteger minted = new AtomicInteger();
            AppServerClient good = client(AppServerClient.builder().webSocket(uri).bearerToken(() -> {
                minted.incrementAndGet();
                return jwt(secret, "codex4j-test", "app-server", now + 300);
            }));
            good.start().block(WAIT);
            assertThat(good.request("model/list", Map.of()).block(WAIT).has("data")).isTrue();
            assertThat(minted).hasValue(1);

            byte[] otherSecret = "another-secret-another-secret-another".getBytes(StandardCharsets.US_ASCII);
            AppServerClient forged = client(AppServerClient.builder().webSocket(uri)
                    .bearerToken(jwt(otherSecret, "codex4j-test", "app-server", now + 300)));
            assertThatThrownBy(() -> forged.start().block(WAIT)).isInstanceOf(AppServerStartException.class)
                    .hasMessageContaining("HTTP 401 (invalid websocket jwt)");
            AppServerClient expired = client(AppServerClient.builder().webSocket(uri)
                    .bearerToken(jwt(secret, "codex4j-test", "app-server", now - 120)));
            assertThatThrownBy(() -> expired.start().block(WAIT)).isInstanceOf(AppServerStartException.class)
                    .hasMessageContaining("HTTP 401 (expired websocket jwt)");
        } finally {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void afterTheRemoteServerRestartsTheClientReconnectsToTheSameUriAsksForTheTokenAgainAndResumes()
            throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("token"), "restart-capability-token-0123");
        // the second server binds the first one's port again: a port the kernel never hands out as the local end of
        // an outgoing connection, which in a busy run could take it in between (codex then exits: address in use)
        int port = dev.codex4j.appserver.testing.Ports.freeBelowTheEphemeralRange();
        String listen = "ws://127.0.0.1:" + port;
        Process first = spawn(listen, "--ws-auth", "capability-token", "--ws-token-file", tokenFile.toString());
        Process second = null;
        try {
            URI uri = listeningUri(first);
            AtomicInteger asked = new AtomicInteger();
            AppServerClient client = client(AppServerClient.builder().webSocket(uri).bearerToken(() -> {
                asked.incrementAndGet();
                return "restart-capability-token-0123";
            }).restartOnCrash(dev.codex4j.appserver.rpc.RestartPolicy.of(30, Duration.ofMillis(50),
                    Duration.ofMillis(500))));
            client.start().block(WAIT);
            CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
            model.enqueue(Reply.message("first answer"));
            assertThat(thread.run("first").block(WAIT).finalResponse()).isEqualTo("first answer");
            java.util.concurrent.BlockingQueue<dev.codex4j.appserver.rpc.ConnectionEvent> events =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            client.connectionEvents().subscribe(events::add, e -> { });

            first.destroyForcibly();
            first.waitFor(10, TimeUnit.SECONDS);
            assertThat(events.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOfSatisfying(dev.codex4j.appserver.rpc.ConnectionEvent.ConnectionLost.class,
                            lost -> assertThat(lost.reason()).contains(listen).contains("was lost"));
            second = spawn(listen, "--ws-auth", "capability-token", "--ws-token-file", tokenFile.toString());
            listeningUri(second);

            assertThat(events.poll(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isInstanceOfSatisfying(dev.codex4j.appserver.rpc.ConnectionEvent.Restarted.class,
                            restarted -> assertThat(restarted.resumedThreadIds()).containsExactly(thread.id()));
            assertThat(asked.get()).isGreaterThanOrEqualTo(2); // once per connection attempt
            model.enqueue(Reply.message("second answer"));
            assertThat(thread.run("second").block(WAIT).finalResponse()).isEqualTo("second answer");
            JsonNode lastRequest = model.requests().get(model.requests().size() - 1).body();
            assertThat(lastRequest.get("input").toString()).contains("first answer"); // the history was resumed
        } finally {
            first.destroyForcibly();
            if (second != null) {
                second.destroy();
                second.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Starts the pinned codex listening at {@code listen}, with {@code auth} flags; its stdout discarded. */
    private Process spawn(String listen, String... auth) throws java.io.IOException {
        List<String> command = new ArrayList<>(codex.command());
        command.addAll(List.of("--listen", listen));
        command.addAll(List.of(auth));
        ProcessBuilder pb = new ProcessBuilder(command).directory(codex.workspace().toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(codex.environment());
        return pb.start();
    }

    /** Reads the server's stderr until it names its port (on a thread of its own, which drains the rest). */
    private static URI listeningUri(Process process) throws Exception {
        CompletableFuture<URI> uri = new CompletableFuture<>();
        Pattern listening = Pattern.compile("listening on: (ws://\\S+)");
        Thread reader = new Thread(() -> {
            List<String> said = new ArrayList<>();
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    String plain = line.replaceAll("\u001B\\[[0-9;]*m", "");
                    if (!uri.isDone() && said.size() < 20) {
                        said.add(plain);
                    }
                    Matcher m = listening.matcher(plain);
                    if (m.find()) {
                        uri.complete(URI.create(m.group(1)));
                    }
                }
                uri.completeExceptionally(new AssertionError("codex exited without listening; it said: " + said));
            } catch (Exception e) {
                uri.completeExceptionally(e);
            }
        }, "jwt-server-stderr");
        reader.setDaemon(true);
        reader.start();
        return uri.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** An HS256 JWT, signed with the JDK's HMAC-SHA256. */
    private static String jwt(byte[] secret, String issuer, String audience, long expiresAt) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"iss\":\"" + issuer + "\",\"aud\":\"" + audience + "\",\"exp\":"
                + expiresAt + "}").getBytes(StandardCharsets.UTF_8));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] signature = mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return header + "." + claims + "." + b64.encodeToString(signature);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Throwable failure(CompletableFuture<?> future) {
        return Futures.failure(future, WAIT);
    }

    /**
     * A dropped connection does not stop the remote server's turn: after the reconnect the client interrupts the
     * turn it had failed, and does not answer the turn's approval request, which the server sends again on the
     * new connection.
     */
    @Test
    void aTurnFailedByADroppedSocketIsInterruptedAfterTheReconnectAndItsApprovalIsNotAnswered() throws Exception {
        server = serverBuilder().start();
        List<String> asked = new CopyOnWriteArrayList<>();
        CompletableFuture<String> firstAsk = new CompletableFuture<>();
        AppServerClient client = client(AppServerClient.builder().webSocket(server.uri())
                .bearerToken(server.bearerToken())
                .restartOnCrash(RestartPolicy.of(3, Duration.ofMillis(50), Duration.ofMillis(200)))
                .approvals(ApprovalDecisions.builder().onCommandExecutionAsync(request -> {
                    asked.add(request.turnId());
                    // the first: a person who has not decided yet; later ones declined
                    return firstAsk.complete(request.turnId()) ? Mono.never()
                            : Mono.just(CommandExecutionApprovalDecision.DECLINE);
                }).build()));
        // one subscriber sees every decision, in the order they were made (each subscriber is drained on a thread
        // of its own: what another subscriber, or the turn's result, has seen says nothing of what this one has)
        BlockingQueue<ApprovalEvent> events = new LinkedBlockingQueue<>();
        client.approvalEvents().subscribe(events::add);
        client.start().block(WAIT);
        model.enqueue(Reply.escalatedExecCommand("call-1", "touch orphaned.txt", "needs a file"));
        CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
        TurnHandle turn = thread.turn("make a file");
        String turnId = Futures.await(firstAsk, WAIT);
        CompletableFuture<JsonNode> ended = client.notifications("turn/completed")
                .filter(n -> n.params().path("turn").path("id").asText().equals(turnId)).next()
                .map(n -> n.params().path("turn")).toFuture();
        CompletableFuture<ConnectionEvent> restarted = client.connectionEvents()
                .filter(ConnectionEvent.Restarted.class::isInstance).next().toFuture();

        client.dropConnection("network trouble");

        assertThat(Futures.failure(turn.result().toFuture(), WAIT)).isInstanceOf(ConnectionClosedException.class);
        // the server still ran the turn, waiting on its approval: the reconnect interrupts it
        assertThat(Futures.await(ended, WAIT).path("status").asText()).isEqualTo("interrupted");
        Futures.await(restarted, WAIT);
        JsonNode read = client.request("thread/read", Map.of("threadId", thread.id())).block(WAIT);
        assertThat(read.at("/thread/status/type").asText()).isEqualTo("idle");
        assertThat(codex.workspace().resolve("orphaned.txt")).doesNotExist();
        assertThat(model.requests()).hasSize(1); // the model was not asked to go on

        // a next turn's approval is answered as usual; by its event, any for the old turn would have come first
        model.enqueue(Reply.escalatedExecCommand("call-2", "touch next.txt", "needs a file"), Reply.message("no"));
        String next = thread.run("again").block(WAIT).turnId();
        assertThat(List.of(nextEvent(events), nextEvent(events)))
                .extracting(ApprovalEvent::turnId, ApprovalEvent::decidedBy).containsExactly(
                        tuple(turnId, ApprovalEvent.DecidedBy.CANCELLED), // at the drop: nothing sent
                        tuple(next, ApprovalEvent.DecidedBy.HANDLER));
        assertThat(events).isEmpty();
        // the old turn's request, sent again on the new connection, never reached a handler or the policy
        assertThat(asked).containsExactly(turnId, next);
    }

    /** The next event {@code events} receives, waiting up to {@link #WAIT}. */
    private static ApprovalEvent nextEvent(BlockingQueue<ApprovalEvent> events) throws InterruptedException {
        ApprovalEvent event = events.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(event).as("an approval event within %s", WAIT).isNotNull();
        return event;
    }
}

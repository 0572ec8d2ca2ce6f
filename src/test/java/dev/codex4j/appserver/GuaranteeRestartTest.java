package dev.codex4j.appserver;

import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.ConnectionEvent.ConnectionLost;
import dev.codex4j.appserver.rpc.ConnectionEvent.Restarted;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Promise 9, restart (opt-in): after a crash, a client with a {@link RestartPolicy} starts a new app-server,
 * runs the handshake again, resumes the threads it knew and says so in its notification stream; requests in
 * flight at the crash fail and are never sent again.
 */
@Timeout(180)
class GuaranteeRestartTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RestartPolicy RESTART = RestartPolicy.of(3, Duration.ofMillis(50), Duration.ofSeconds(1));

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    /** Every connection event, and every notification, as they arrive; subscribed before the crash. */
    private BlockingQueue<ConnectionEvent> events() {
        BlockingQueue<ConnectionEvent> events = new LinkedBlockingQueue<>();
        client.connectionEvents().subscribe(events::add, e -> { });
        return events;
    }

    private static <T> T next(BlockingQueue<? super T> queue, Class<T> type) throws InterruptedException {
        Object next = queue.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(next).isInstanceOf(type);
        return type.cast(next);
    }

    @Test
    void afterACrashANewProcessIsStartedHandshakenAndTheKnownThreadsAreResumed() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RESTART));
        String threadId = client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
        ProcessHandle first = FakeClients.newestFake();
        BlockingQueue<ConnectionEvent> events = events();

        client.request("fake/exit", Map.of("code", 3, "stderr", List.of("fatal: crashed on purpose")))
                .onErrorResume(e -> Mono.empty()).block(WAIT);

        ConnectionLost lost = next(events, ConnectionLost.class);
        assertThat(lost.exitCode()).isEqualTo(3);
        assertThat(lost.stderrTail()).contains("fatal: crashed on purpose");
        Restarted restarted = next(events, Restarted.class);
        assertThat(restarted.restart()).isEqualTo(1);
        assertThat(restarted.previousExitCode()).isEqualTo(3);
        assertThat(restarted.resumedThreadIds()).containsExactly(threadId);
        assertThat(restarted.notResumedThreadIds()).isEmpty();

        assertThat(client.isReady()).isTrue();
        ProcessHandle second = FakeClients.newestFake();
        assertThat(second.pid()).isNotEqualTo(first.pid());
        JsonNode seen = client.request("fake/inspect", null).block(WAIT);
        assertThat(seen.get("initializedNotification").asBoolean()).isTrue();
        assertThat(seen.at("/initializeParams/clientInfo/name").asText()).isEqualTo("codex4j");
        assertThat(seen.get("requestMethods")).extracting(JsonNode::asText)
                .containsExactly("initialize", "thread/resume");
        assertThat(client.request("echo", Map.of("on", "new process")).block(WAIT).get("on").asText())
                .isEqualTo("new process");
    }

    @Test
    void requestsInFlightAtTheCrashFailAndAreNeverSentAgain() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RESTART));
        BlockingQueue<ConnectionEvent> events = events();
        CompletableFuture<JsonNode> inFlight = client.request("fake/noReply", Map.of("marker", "in-flight")).toFuture();
        CompletableFuture<JsonNode> alsoInFlight = client.request("fake/delay", Map.of("ms", 60_000)).toFuture();

        long crashAt = System.nanoTime();
        CompletableFuture<JsonNode> crashing = client.request("fake/exit", Map.of("code", 9)).toFuture();

        for (CompletableFuture<JsonNode> request : List.of(inFlight, alsoInFlight, crashing)) {
            assertThat(failureOf(request)).isInstanceOfSatisfying(ConnectionClosedException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(9));
        }
        assertThat(Duration.ofNanos(System.nanoTime() - crashAt)).isLessThan(Duration.ofSeconds(1));
        next(events, ConnectionLost.class);
        next(events, Restarted.class);
        JsonNode seen = client.request("fake/inspect", null).block(WAIT);
        assertThat(seen.get("requestMethods")).extracting(JsonNode::asText).containsExactly("initialize");
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void aDroppedConnectionFailsWhatIsInFlightAndIsRestartedOnceTheOldProcessIsGone() throws Exception {
        // a process that does not end when its stdin closes: it is gone only after the grace period and SIGTERM
        client = clients.started(FakeClients.builder(dir, "--ignore-stdin-eof").shutdownGrace(Duration.ofSeconds(3))
                .restartOnCrash(RESTART));
        String threadId = client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
        ProcessHandle first = FakeClients.newestFake();
        BlockingQueue<ConnectionEvent> events = events();
        CompletableFuture<JsonNode> unanswered = client.request("fake/noReply", Map.of()).toFuture();

        assertThat(client.dropConnection("not answering, on purpose")).isTrue();

        assertThat(failureOf(unanswered)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("not answering, on purpose");
        assertThat(next(events, ConnectionLost.class).reason()).contains("not answering, on purpose");
        Restarted restarted = next(events, Restarted.class);
        assertThat(first.isAlive()).as("the old process is gone before the new one resumes its threads").isFalse();
        assertThat(restarted.resumedThreadIds()).containsExactly(threadId);
        assertThat(FakeClients.newestFake().pid()).isNotEqualTo(first.pid());
        assertThat(client.request("echo", Map.of("on", "new process")).block(WAIT).get("on").asText())
                .isEqualTo("new process");
    }

    @Test
    void subscribersKeepTheirSubscriptionAcrossTheRestartAndSeeTheEventsInOrder() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RESTART));
        BlockingQueue<Object> stream = new LinkedBlockingQueue<>();
        client.notifications().subscribe(stream::add, stream::add, () -> stream.add("completed"));
        client.request("fake/notify", Map.of("count", 1, "method", "before", "params", Map.of())).block(WAIT);

        client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty()).block(WAIT);
        List<String> seen = new ArrayList<>(methodsUpTo(stream, ConnectionEvent.RESTARTED));
        client.request("fake/notify", Map.of("count", 1, "method", "after", "params", Map.of())).block(WAIT);
        seen.addAll(methodsUpTo(stream, "after"));

        // the new server's own notifications (its configWarning) may come before or after RESTARTED
        assertThat(seen).filteredOn(m -> !m.equals("configWarning"))
                .containsExactly("before", ConnectionEvent.LOST, ConnectionEvent.RESTARTED, "after");
    }

    /** The methods of the notifications in {@code stream} up to the one with {@code method}; no error, no end. */
    private static List<String> methodsUpTo(BlockingQueue<Object> stream, String method) throws InterruptedException {
        List<String> methods = new ArrayList<>();
        while (methods.isEmpty() || !methods.get(methods.size() - 1).equals(method)) {
            Object next = stream.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(next).as("waiting for %s after %s", method, methods).isInstanceOf(Notification.class);
            methods.add(((Notification) next).method());
        }
        return methods;
    }

    @Test
    void whenTheRestartBudgetIsSpentTheClientEndsAsWithoutRestarts() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RestartPolicy.of(1, Duration.ZERO, Duration.ZERO)));
        BlockingQueue<ConnectionEvent> events = events();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty())
                .block(WAIT);
        next(events, ConnectionLost.class);
        next(events, Restarted.class);

        CompletableFuture<JsonNode> second = client.request("fake/exit", Map.of("code", 2)).toFuture();

        assertThat(failureOf(second)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThat(failureOf(stream)).isInstanceOfSatisfying(ConnectionClosedException.class,
                e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThat(client.isReady()).isFalse();
        assertThatThrownBy(() -> client.request("echo", null).block(WAIT)).isInstanceOf(ConnectionClosedException.class);
    }

    @Test
    void aThreadTheNewServerCannotResumeIsReportedAndForgotten() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RESTART));
        String kept = client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
        // a thread the client learns of from a notification, which the next server will not know
        client.request("fake/emit", Map.of("lines", List.of(
                "{\"method\":\"thread/started\",\"params\":{\"thread\":{\"id\":\"unknown-7\"}}}"))).block(WAIT);
        BlockingQueue<ConnectionEvent> events = events();

        client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty()).block(WAIT);

        next(events, ConnectionLost.class);
        Restarted first = next(events, Restarted.class);
        assertThat(first.resumedThreadIds()).containsExactly(kept);
        assertThat(first.notResumedThreadIds()).containsExactly("unknown-7");
        client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty()).block(WAIT);
        next(events, ConnectionLost.class);
        assertThat(next(events, Restarted.class).notResumedThreadIds()).isEmpty();
    }

    @Test
    void closeWhileRestartingEndsTheClientAndStartsNoNewProcess() throws Exception {
        client = clients.started(FakeClients.builder(dir).restartOnCrash(RestartPolicy.of(3, Duration.ofSeconds(3), Duration.ofSeconds(3))));
        BlockingQueue<ConnectionEvent> events = events();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        client.request("fake/exit", Map.of("code", 1)).onErrorResume(e -> Mono.empty()).block(WAIT);
        next(events, ConnectionLost.class);
        assertThatThrownBy(() -> client.request("echo", null).block(WAIT))
                .isInstanceOfSatisfying(ConnectionClosedException.class, e -> assertThat(e.exitCode()).isEqualTo(1));

        client.close();

        assertThat(stream.get(WAIT.toSeconds(), TimeUnit.SECONDS)).extracting(Notification::method)
                .filteredOn(m -> !m.equals("configWarning")) // the first server's, which may arrive late
                .containsExactly(ConnectionEvent.LOST);
        Thread.sleep(3_500); // past the backoff: the restart that was due must not happen
        assertThat(ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains("FakeAppServer"))
                .filter(ProcessHandle::isAlive)).isEmpty();
    }

    @Test
    void theRealAppServerKilledWithSigkillIsRestartedAndTheResumedThreadRunsANewTurn() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            client = clients.started(codex.clientBuilder()
                    .restartOnCrash(RESTART));
            String threadId = client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
            model.enqueue(Reply.message("first answer"));
            assertThat(runTurn(threadId, "first")).isEqualTo("first answer");
            BlockingQueue<ConnectionEvent> events = events();
            ProcessHandle codexProcess = ProcessHandle.current().children()
                    .filter(p -> p.info().command().orElse("").endsWith("codex")).findFirst().orElseThrow();

            codexProcess.destroyForcibly();

            assertThat(next(events, ConnectionLost.class).exitCode()).isEqualTo(137);
            Restarted restarted = next(events, Restarted.class);
            assertThat(restarted.previousExitCode()).isEqualTo(137);
            assertThat(restarted.resumedThreadIds()).containsExactly(threadId);
            model.enqueue(Reply.message("second answer"));
            assertThat(runTurn(threadId, "second")).isEqualTo("second answer");
            // the model saw the first exchange again: the new process resumed the thread's history
            JsonNode lastRequest = model.requests().get(model.requests().size() - 1).body();
            assertThat(lastRequest.get("input").toString()).contains("first answer");
        }
    }

    @Test
    void aThreadApiTurnRunningAtTheCrashFailsWithConnectionClosedAndTheThreadRunsAgainAfterTheRestart() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            CompletableFuture<Boolean> asked = new CompletableFuture<>();
            client = clients.started(codex.clientBuilder()
                    .approvals(ApprovalDecisions.builder().onCommandExecutionAsync(r -> {
                        asked.complete(true);
                        return Mono.<CommandExecutionApprovalDecision>never(); // holds the turn open
                    }).build())
                    .restartOnCrash(RESTART));
            CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
            BlockingQueue<ConnectionEvent> events = events();
            model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt", "hold the turn open"));
            TurnHandle turn = thread.turn("go");
            CompletableFuture<TurnResult> result = turn.result().toFuture();
            asked.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            ProcessHandle codexProcess = ProcessHandle.current().children()
                    .filter(p -> p.info().command().orElse("").endsWith("codex")).findFirst().orElseThrow();

            codexProcess.destroyForcibly();

            assertThat(failureOf(result)).isInstanceOfSatisfying(ConnectionClosedException.class, e -> {
                assertThat(e.exitCode()).isEqualTo(137);
                assertThat(e.closedByClient()).isFalse();
                assertThat(e.getMessage()).contains("lost while the turn was running");
            });
            assertThat(turn.hasEnded()).isTrue();
            next(events, ConnectionLost.class);
            next(events, Restarted.class);
            model.enqueue(Reply.message("after the restart"));
            assertThat(thread.run("again").block(WAIT).requireCompleted().finalResponse())
                    .isEqualTo("after the restart");
        }
    }

    /** Runs one turn on {@code threadId} and returns the agent's final message. */
    private String runTurn(String threadId, String text) throws Exception {
        CompletableFuture<Notification> completed = client.notifications("turn/completed")
                .filter(n -> n.params().path("threadId").asText().equals(threadId)).next().toFuture();
        CompletableFuture<Notification> message = client.notifications("item/completed")
                .filter(n -> n.params().path("threadId").asText().equals(threadId)
                        && n.params().at("/item/type").asText().equals("agentMessage")).next().toFuture();
        client.request("turn/start", Map.of("threadId", threadId,
                "input", List.of(Map.of("type", "text", "text", text)))).block(WAIT);
        assertThat(completed.get(WAIT.toSeconds(), TimeUnit.SECONDS).params().at("/turn/status").asText())
                .isEqualTo("completed");
        return message.get().params().at("/item/text").asText();
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        try {
            future.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("completed instead of failing");
    }
}

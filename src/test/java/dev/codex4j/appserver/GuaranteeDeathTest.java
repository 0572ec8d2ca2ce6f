package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.ConnectionClosedException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Promise 1, death: whatever way the app-server goes away, everything waiting on it fails within a second
 * with an exception that says why (exit code or "closed stdout", and its last stderr lines), the
 * notification stream errors, and a child that lives on without its stdout is killed.
 */
@Timeout(120)
class GuaranteeDeathTest {

    /** The promise. */
    private static final Duration WITHIN = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();
    private AppServerClient client;

    @Test
    void killMinus9OfTheRealAppServerMidTurnFailsTheTurnTheApprovalHandlerAndTheStreamWithin1s() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            CompletableFuture<CommandExecutionRequestApprovalParams> asked = new CompletableFuture<>();
            CompletableFuture<Long> handlerCancelledAt = new CompletableFuture<>();
            client = codex.clientBuilder()
                    .approvals(ApprovalDecisions.builder().onCommandExecutionAsync(r -> {
                        asked.complete(r);
                        return Mono.<CommandExecutionApprovalDecision>never()
                                .doOnCancel(() -> handlerCancelledAt.complete(System.nanoTime()));
                    }).build())
                    .build();
            client.start().block(WAIT);
            ProcessHandle codexProcess = ProcessHandle.current().children()
                    .filter(p -> p.info().command().orElse("").endsWith("codex")).findFirst().orElseThrow();
            String threadId = client.request("thread/start", Map.of()).block(WAIT).at("/thread/id").asText();
            CompletableFuture<Notification> turnCompleted = client.notifications("turn/completed")
                    .filter(n -> n.params().path("threadId").asText().equals(threadId)).next().toFuture();
            CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
            model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt", "hold the turn open"));
            client.request("turn/start", Map.of("threadId", threadId,
                    "input", List.of(Map.of("type", "text", "text", "go")))).block(WAIT);
            asked.get(); // the turn now waits on our approval

            long killedAt = System.nanoTime();
            codexProcess.destroyForcibly();

            Consumer<Throwable> killed = e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
                assertThat(c.exitCode()).isEqualTo(137);
                assertThat(c.getMessage()).contains("exit code 137");
                assertThat(c.closedByClient()).isFalse();
            });
            killed.accept(failureOf(turnCompleted, killedAt));
            killed.accept(failureOf(stream, killedAt));
            assertThat(Duration.ofNanos(handlerCancelledAt.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS) - killedAt))
                    .isLessThan(WITHIN);
            assertThatThrownBy(() -> client.request("thread/read", Map.of("threadId", threadId)).block(WAIT))
                    .satisfies(killed::accept);
            assertThat(codex.workspace().resolve("out.txt")).doesNotExist();
        }
    }

    @Test
    void exitZeroMidRequestFailsEveryPendingRequestHandlerAndTheStreamWithin1sWithExitCodeAndStderr() throws Exception {
        CompletableFuture<Long> handlerCancelledAt = new CompletableFuture<>();
        CompletableFuture<Boolean> handlerAsked = new CompletableFuture<>();
        client = FakeClients.builder(dir)
                .approvals(ApprovalDecisions.builder().onFileChangeAsync(r -> {
                    handlerAsked.complete(true);
                    return Mono.<FileChangeApprovalDecision>never().doOnCancel(() -> handlerCancelledAt.complete(System.nanoTime()));
                }).build())
                .build();
        client.start().block(WAIT);
        List<CompletableFuture<JsonNode>> pending = List.of(
                client.request("fake/noReply", null).toFuture(),
                client.request("fake/noReply", null).toFuture(),
                client.request("fake/delay", Map.of("ms", 60_000)).toFuture());
        CompletableFuture<JsonNode> approval = client.request("fake/serverRequest", Map.of(
                "method", "item/fileChange/requestApproval",
                "params", Map.of("threadId", "t", "turnId", "u", "itemId", "i"))).toFuture();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        handlerAsked.get();

        long sentAt = System.nanoTime();
        CompletableFuture<JsonNode> exiting = client.request("fake/exit",
                Map.of("code", 0, "stderr", List.of("panic: out of cheese"))).toFuture();

        Consumer<Throwable> exitedZero = e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
            assertThat(c.exitCode()).isZero();
            assertThat(c.stderrTail()).contains("panic: out of cheese");
            assertThat(c.getMessage()).contains("exit code 0").contains("panic: out of cheese");
        });
        exitedZero.accept(failureOf(exiting, sentAt));
        for (CompletableFuture<JsonNode> request : pending) {
            exitedZero.accept(failureOf(request, sentAt));
        }
        exitedZero.accept(failureOf(approval, sentAt));
        exitedZero.accept(failureOf(stream, sentAt));
        assertThat(Duration.ofNanos(handlerCancelledAt.get(WITHIN.toMillis(), TimeUnit.MILLISECONDS) - sentAt))
                .isLessThan(WITHIN);
        assertThat(client.pendingRequestCount()).isZero();
    }

    @Test
    void stdoutClosedWhileTheProcessLivesFailsPendingRequestsAndTheStreamWithin1sAndKillsTheChild() throws Exception {
        client = clients.add(FakeClients.builder(dir).build());
        client.start().block(WAIT);
        ProcessHandle child = FakeClients.newestFake();
        CompletableFuture<JsonNode> waiting = client.request("fake/noReply", null).toFuture();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();

        long sentAt = System.nanoTime();
        CompletableFuture<JsonNode> closing = client.request("fake/closeStdout",
                Map.of("stderr", List.of("closing stdout now"))).toFuture();

        Consumer<Throwable> stdoutClosed = e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
            assertThat(c.getMessage()).contains("closed stdout").contains("closing stdout now");
            assertThat(c.stderrTail()).contains("closing stdout now");
        });
        stdoutClosed.accept(failureOf(closing, sentAt));
        stdoutClosed.accept(failureOf(waiting, sentAt));
        stdoutClosed.accept(failureOf(stream, sentAt));
        child.onExit().get(WITHIN.toMillis(), TimeUnit.MILLISECONDS); // killed, not left running
        assertThat(child.isAlive()).isFalse();
    }

    @Test
    void aWriteThatHitsEpipeFailsTheRequestWithin1sNamingTheWriteFailure() throws Exception {
        client = clients.add(FakeClients.builder(dir, "--ignore-sigterm").build());
        client.start().block(WAIT);
        ProcessHandle child = FakeClients.newestFake();
        CompletableFuture<List<Notification>> stream = client.notifications().collectList().toFuture();
        client.request("fake/closeStdin", null).block(WAIT); // alive, but no longer reading: writes get EPIPE

        long sentAt = System.nanoTime();
        CompletableFuture<JsonNode> request = client.request("echo", Map.of("n", 1)).toFuture();

        Consumer<Throwable> writeFailed = e -> assertThat(e).isInstanceOfSatisfying(ConnectionClosedException.class, c -> {
            assertThat(c.getMessage()).contains("write to app-server stdin failed").contains("Broken pipe");
            assertThat(c.exitCode()).isEqualTo(137); // it ignores SIGTERM, so it was killed
        });
        writeFailed.accept(failureOf(request, sentAt));
        writeFailed.accept(failureOf(stream, sentAt));
        assertThat(child.isAlive()).isFalse();
    }

    /** The exception {@code future} failed with, asserting it failed within {@link #WITHIN} of {@code since}. */
    private static Throwable failureOf(CompletableFuture<?> future, long since) throws InterruptedException {
        try {
            future.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            assertThat(Duration.ofNanos(System.nanoTime() - since)).as("time to fail").isLessThan(WITHIN);
            return e.getCause();
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("still waiting after " + WAIT, e);
        }
        throw new AssertionError("completed instead of failing: " + future.join());
    }
}

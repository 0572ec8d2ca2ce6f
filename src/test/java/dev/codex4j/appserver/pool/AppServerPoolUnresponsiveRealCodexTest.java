package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real app-server that is alive but does not answer: its process is stopped ({@code kill -STOP}). The pool's
 * health probes find it, its running turn fails, its client ends the stopped process and starts a new one on
 * the same CODEX_HOME, and the thread takes turns again with its history.
 */
@Timeout(120)
class AppServerPoolUnresponsiveRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aStoppedProcessIsFoundByTheProbesReplacedAndItsThreadGoesOn() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        // the approval is never given: a turn asking one runs until its app-server goes
        ApprovalDecisions approvals = ApprovalDecisions.builder().onCommandExecution(request -> {
            asked.countDown();
            never.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            return CommandExecutionApprovalDecision.DECLINE;
        }).build();
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            try (AppServerPool pool = AppServerPool.builder()
                    .member("m0", codex.clientBuilder().approvals(approvals).requestTimeout(WAIT)
                            .shutdownGrace(Duration.ofMillis(200))
                            .restartOnCrash(RestartPolicy.of(1, Duration.ofMillis(100), Duration.ofMillis(100))))
                    .healthProbe(Duration.ofMillis(200), Duration.ofSeconds(2), 2)
                    .build()) {
                pool.start().block(WAIT);
                // the probe request, as the real binary answers it
                JsonNode answer = pool.client("m0").request(HealthProbe.METHOD, HealthProbe.PARAMS).block(WAIT);
                assertThat(answer.path("data").isArray()).as("answer %s", answer).isTrue();

                PooledThread thread = pool.startThread(ThreadOptions.defaults()).block(WAIT);
                model.enqueue(Reply.message("first answer"));
                assertThat(thread.run("first").block(WAIT).finalResponse()).isEqualTo("first answer");
                // a turn that is running when the process stops: it waits on the command approval
                model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi", "needs it"));
                TurnHandle running = thread.turn("run it").block(WAIT);
                assertThat(asked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
                CompletableFuture<TurnResult> result = running.result().toFuture();
                ProcessHandle process = PoolTestSupport.codexProcessIn(codex.workspace());
                CompletableFuture<ConnectionEvent.Restarted> restarted = pool.client("m0").connectionEvents()
                        .ofType(ConnectionEvent.Restarted.class).next().toFuture();

                assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).start().waitFor())
                        .isZero();

                assertThat(Futures.failure(result, WAIT)).isInstanceOf(ConnectionClosedException.class)
                        .hasMessageContaining("pool member 'm0' stopped answering");
                process.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS); // the client ended the stopped process
                // the restart waited for the old process to go: it held the thread's write lock until then
                assertThat(Futures.await(restarted, WAIT).resumedThreadIds()).containsExactly(thread.id());
                PoolTestSupport.awaitHealth(pool, "m0", h -> h.state() == MemberState.READY && h.restarts() == 1,
                        WAIT);
                model.enqueue(Reply.message("second answer"));
                TurnResult again = pool.thread(thread.id()).block(WAIT).run("second").block(WAIT);
                assertThat(again.finalResponse()).isEqualTo("second answer");
                String lastRequest = model.requests().get(model.requests().size() - 1).body().path("input").toString();
                assertThat(lastRequest).contains("first answer"); // the new process resumed the thread's history
            }
        }
    }
}

package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadNotFoundException;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/** The pool over three real app-servers (the pinned codex, each with its own CODEX_HOME) and one scripted model. */
@Timeout(240)
class AppServerPoolRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int MEMBERS = 3;

    private ScriptedModel model;
    private final List<RealCodex> codexes = new ArrayList<>();
    private AppServerPool pool;
    private final CountDownLatch release = new CountDownLatch(1);
    private CountDownLatch asked;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        asked = new CountDownLatch(MEMBERS);
        // every command approval waits until the test releases it: a turn asking one is a running turn
        ApprovalDecisions approvals = ApprovalDecisions.builder().onCommandExecution(request -> {
            asked.countDown();
            return release.await(WAIT.toSeconds(), TimeUnit.SECONDS) ? CommandExecutionApprovalDecision.ACCEPT
                    : CommandExecutionApprovalDecision.DECLINE;
        }).build();
        AppServerPool.Builder builder = AppServerPool.builder();
        for (int i = 0; i < MEMBERS; i++) {
            RealCodex codex = RealCodex.forModel(model);
            codexes.add(codex);
            builder.member("m" + i, codex.clientBuilder().approvals(approvals).requestTimeout(WAIT));
        }
        pool = builder.build();
        pool.start().block(WAIT);
    }

    @AfterEach
    void tearDown() {
        release.countDown();
        try {
            if (pool != null) {
                pool.close();
            }
        } finally {
            model.close();
            codexes.forEach(RealCodex::close);
        }
    }

    @Test
    void threadsSpreadOverTheMembersAndEachThreadsTurnsStayOnItsMember() {
        List<PooledThread> threads = Flux.range(0, 2 * MEMBERS)
                .concatMap(i -> pool.startThread(ThreadOptions.defaults())).collectList().block(WAIT);
        Map<String, Long> perMember = threads.stream()
                .collect(Collectors.groupingBy(PooledThread::member, Collectors.counting()));
        assertThat(perMember).containsOnlyKeys("m0", "m1", "m2").allSatisfy((m, n) -> assertThat(n).isEqualTo(2));

        for (int round = 0; round < 2; round++) {
            model.enqueue(threads.stream().map(t -> Reply.message("answer")).toArray(Reply[]::new));
            List<TurnResult> results = Flux.fromIterable(threads)
                    .flatMap(t -> pool.thread(t.id()).flatMap(found -> found.run("round"))).collectList().block(WAIT);
            assertThat(results).hasSize(threads.size())
                    .allSatisfy(r -> assertThat(r.status()).isEqualTo(TurnStatus.COMPLETED));
        }

        // on the real servers: each thread's two turns are in its member's storage, and no other member knows it
        for (PooledThread thread : threads) {
            for (int i = 0; i < MEMBERS; i++) {
                CodexThreads threadsOfMember = CodexThreads.of(pool.client("m" + i));
                if (thread.member().equals("m" + i)) {
                    assertThat(threadsOfMember.read(thread.id(), true).block(WAIT).turns()).hasSize(2);
                } else {
                    assertThatThrownBy(() -> threadsOfMember.read(thread.id(), false).block(WAIT))
                            .isInstanceOf(ThreadNotFoundException.class);
                }
            }
        }
    }

    @Test
    void killingOneMemberFailsItsRunningTurnQuicklyWhileTheOtherMembersTurnsComplete() throws Exception {
        List<PooledThread> threads = Flux.range(0, MEMBERS)
                .concatMap(i -> pool.startThread(ThreadOptions.defaults())).collectList().block(WAIT);
        assertThat(threads).extracting(PooledThread::member).containsExactlyInAnyOrder("m0", "m1", "m2");
        model.enqueue(threads.stream().map(t -> Reply.escalatedExecCommand("call-" + t.member(), "echo "
                + t.member(), "needs it")).toArray(Reply[]::new));
        List<TurnHandle> turns = Flux.fromIterable(threads).concatMap(t -> t.turn("run it")).collectList().block(WAIT);
        assertThat(asked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("every turn asks its approval").isTrue();
        assertThat(pool.health()).allSatisfy(h -> assertThat(h.runningTurns()).isEqualTo(1));
        PooledThread victim = threads.get(0);
        CompletableFuture<TurnResult> victimResult = turns.get(0).result().toFuture();

        RealCodex victimCodex = codexes.get(Integer.parseInt(victim.member().substring(1)));
        ProcessHandle process = PoolTestSupport.codexProcessIn(victimCodex.workspace());
        long killedAt = System.nanoTime();
        assertThat(process.destroyForcibly()).isTrue();

        Throwable failure = Futures.failure(victimResult, Duration.ofSeconds(10));
        Duration took = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(failure).isInstanceOf(ConnectionClosedException.class);
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        // the pool learns it on its own subscription, not the turn's
        PoolTestSupport.awaitHealth(pool, victim.member(), h -> h.state() == MemberState.DEAD, Duration.ofSeconds(10));

        model.enqueue(Reply.message("done"), Reply.message("done"));
        release.countDown();
        for (int i = 1; i < MEMBERS; i++) {
            TurnResult result = turns.get(i).result().block(WAIT);
            assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(result.finalResponse()).isEqualTo("done");
        }
        assertThat(pool.startThread(ThreadOptions.defaults()).block(WAIT).member()).isNotEqualTo(victim.member());
    }
}

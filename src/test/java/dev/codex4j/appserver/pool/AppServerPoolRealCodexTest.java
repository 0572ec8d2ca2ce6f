package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThreads;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;

/**
 * The pool over four real app-servers (the pinned codex, each with its own CODEX_HOME and its own scripted
 * model, so that a turn's answer names the process that served it), with restarts on.
 */
@Timeout(240)
class AppServerPoolRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int MEMBERS = 4;

    private final List<ScriptedModel> models = new ArrayList<>();
    private final List<RealCodex> codexes = new ArrayList<>();
    private AppServerPool pool;
    private final CountDownLatch release = new CountDownLatch(1);
    /** Counts down once per command approval asked (the kill test's turns each ask one). */
    private final CountDownLatch asked = new CountDownLatch(2 * MEMBERS);

    @BeforeEach
    void setUp() {
        // a command approval waits until the test releases it: a turn asking one is a running turn
        ApprovalDecisions approvals = ApprovalDecisions.builder().onCommandExecution(request -> {
            asked.countDown();
            return release.await(WAIT.toSeconds(), TimeUnit.SECONDS) ? CommandExecutionApprovalDecision.ACCEPT
                    : CommandExecutionApprovalDecision.DECLINE;
        }).build();
        AppServerPool.Builder builder = AppServerPool.builder();
        for (int i = 0; i < MEMBERS; i++) {
            ScriptedModel model = ScriptedModel.start();
            models.add(model);
            RealCodex codex = RealCodex.forModel(model);
            codexes.add(codex);
            builder.member("m" + i, codex.clientBuilder().approvals(approvals).requestTimeout(WAIT)
                    .restartOnCrash(RestartPolicy.of(2, Duration.ofMillis(100), Duration.ofSeconds(1))));
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
            models.forEach(ScriptedModel::close);
            codexes.forEach(RealCodex::close);
        }
    }

    private ScriptedModel modelOf(String member) {
        return models.get(Integer.parseInt(member.substring(1)));
    }

    /** Every model answers each request with its own member's name, {@code count} times. */
    private void everyModelAnswers(String prefix, int count) {
        for (int i = 0; i < MEMBERS; i++) {
            String answer = prefix + " m" + i;
            models.get(i).enqueue(IntStream.range(0, count).mapToObj(n -> Reply.message(answer)).toArray(Reply[]::new));
        }
    }

    @Test
    void twoHundredTurnsOfFiftyThreadsStartedAtOnceCompleteEachThreadOnOneMemberSpreadEvenly() {
        int threadCount = 50;
        int turnsPerThread = 4;
        everyModelAnswers("served by", threadCount * turnsPerThread); // more than enough: leftovers are harmless

        List<PooledThread> threads = Flux.range(0, threadCount)
                .flatMap(i -> pool.startThread(ThreadOptions.defaults()), threadCount).collectList().block(WAIT);
        Map<String, Long> perMember = threads.stream()
                .collect(Collectors.groupingBy(PooledThread::member, Collectors.counting()));
        // within ±20% of even (12.5 each)
        assertThat(perMember).containsOnlyKeys("m0", "m1", "m2", "m3")
                .allSatisfy((m, n) -> assertThat(n).isBetween(10L, 15L));

        // every thread runs its turns one after another; all threads at once (each looked up by id, as a service would)
        Map<String, List<TurnResult>> resultsByThread = Flux.fromIterable(threads)
                .flatMap(t -> Flux.range(0, turnsPerThread)
                        .concatMap(n -> pool.thread(t.id()).flatMap(found -> found.run("turn " + n)))
                        .collectList().map(results -> Map.entry(t.id(), results)), threadCount)
                .collectMap(Map.Entry::getKey, Map.Entry::getValue).block(WAIT.multipliedBy(2));

        assertThat(resultsByThread).hasSize(threadCount);
        for (PooledThread thread : threads) {
            // answered by the model of the member's own process, every time
            assertThat(resultsByThread.get(thread.id())).hasSize(turnsPerThread).allSatisfy(r -> {
                assertThat(r.status()).isEqualTo(TurnStatus.COMPLETED);
                assertThat(r.finalResponse()).isEqualTo("served by " + thread.member());
            });
            // and stored by that process: the thread's turns are in its member's CODEX_HOME
            assertThat(CodexThreads.of(pool.client(thread.member())).read(thread.id(), true).block(WAIT).turns())
                    .hasSize(turnsPerThread);
        }
        for (int i = 0; i < MEMBERS; i++) {
            assertThat(models.get(i).requests()).as("model requests of m" + i)
                    .hasSize((int) (perMember.get("m" + i) * turnsPerThread));
        }
        assertThat(pool.health()).allSatisfy(h -> {
            assertThat(h.state()).isEqualTo(MemberState.READY);
            assertThat(h.runningTurns()).isZero();
        });
    }

    @Test
    void killingOneMemberFailsOnlyItsRunningTurnsAndItComesBackWithItsThreads() throws Exception {
        List<PooledThread> threads = Flux.range(0, 2 * MEMBERS)
                .concatMap(i -> pool.startThread(ThreadOptions.defaults())).collectList().block(WAIT);
        Map<String, List<PooledThread>> byMember = threads.stream()
                .collect(Collectors.groupingBy(PooledThread::member));
        assertThat(byMember).containsOnlyKeys("m0", "m1", "m2", "m3").allSatisfy((m, l) -> assertThat(l).hasSize(2));
        AtomicInteger calls = new AtomicInteger();
        for (PooledThread t : threads) {
            modelOf(t.member()).enqueue(Reply.escalatedExecCommand("call-" + calls.incrementAndGet(), "echo hi",
                    "needs it"));
        }
        List<TurnHandle> turns = Flux.fromIterable(threads).concatMap(t -> t.turn("run it")).collectList().block(WAIT);
        assertThat(asked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("every turn asks its approval").isTrue();
        assertThat(pool.health()).allSatisfy(h -> assertThat(h.runningTurns()).isEqualTo(2));

        String victim = "m1";
        List<CompletableFuture<TurnResult>> victimResults = new ArrayList<>();
        List<TurnHandle> otherTurns = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++) {
            if (threads.get(i).member().equals(victim)) {
                victimResults.add(turns.get(i).result().toFuture());
            } else {
                otherTurns.add(turns.get(i));
            }
        }
        ProcessHandle process = PoolTestSupport.codexProcessIn(codexes.get(1).workspace());
        assertThat(process.destroyForcibly()).isTrue();

        // the victim's turns fail, rather than hang (the bound is the wait, never a timed assertion)
        for (CompletableFuture<TurnResult> result : victimResults) {
            assertThat(Futures.failure(result, WAIT)).isInstanceOf(ConnectionClosedException.class);
        }
        // the others were not disturbed: released, they finish on their own processes
        everyModelAnswers("done by", 2);
        release.countDown();
        for (TurnHandle turn : otherTurns) {
            TurnResult result = turn.result().block(WAIT);
            assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(result.finalResponse()).startsWith("done by").isNotEqualTo("done by " + victim);
        }

        // the victim's client restarted codex (same CODEX_HOME) and resumed its threads: usable again, with history
        PoolTestSupport.awaitHealth(pool, victim, h -> h.state() == MemberState.READY && h.restarts() == 1, WAIT);
        for (PooledThread t : byMember.get(victim)) {
            PooledThread again = pool.thread(t.id()).block(WAIT);
            assertThat(again.member()).isEqualTo(victim);
            TurnResult result = again.run("again").block(WAIT);
            assertThat(result.status()).isEqualTo(TurnStatus.COMPLETED);
            assertThat(result.finalResponse()).isEqualTo("done by " + victim);
        }
        ScriptedModel victimModel = modelOf(victim);
        String lastRequest = victimModel.requests().get(victimModel.requests().size() - 1).body().path("input")
                .toString();
        assertThat(lastRequest).contains("run it").contains("again");
        assertThat(pool.health()).filteredOn(h -> !h.name().equals(victim))
                .allSatisfy(h -> assertThat(h.restarts()).isZero());
        assertThat(pool.health()).allSatisfy(h -> {
            assertThat(h.state()).isEqualTo(MemberState.READY);
            assertThat(h.runningTurns()).isZero();
        });
    }
}

package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.codex4j.appserver.pool.FakeMember.StartedTurn;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.thread.ThreadNotFoundException;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;

/**
 * The pool over in-memory app-servers ({@link FakeMember}), where each turn ends only when the test says so:
 * placement, affinity, caps and the wait queue, tenant groups, draining, a member's death, and health probes
 * finding a member that stays connected but stops answering ({@link FakeMember#stall()}).
 */
@Timeout(60)
class AppServerPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private AppServerPool pool;
    private Map<String, FakeMember> fakes;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    private AppServerPool started(Consumer<AppServerPool.Builder> settings, String... names) {
        fakes = FakeMember.named(names);
        AppServerPool.Builder builder = FakeMember.poolOf(fakes);
        settings.accept(builder);
        pool = builder.build();
        pool.start().block(WAIT);
        return pool;
    }

    private PooledThread newThread() {
        return pool.startThread(ThreadOptions.defaults()).block(WAIT);
    }

    private MemberHealth awaitHealth(String member, Predicate<MemberHealth> condition) {
        return PoolTestSupport.awaitHealth(pool, member, condition, WAIT);
    }

    @Test
    void newThreadsGoToTheMemberWithTheFewestRunningTurns() {
        started(b -> { }, "a", "b", "c");
        List<PooledThread> first = List.of(newThread(), newThread(), newThread());
        assertThat(first).extracting(PooledThread::member).containsExactlyInAnyOrder("a", "b", "c");
        // a turn running on a and one on b: the next thread goes to c, idle
        PooledThread onA = first.stream().filter(t -> t.member().equals("a")).findFirst().orElseThrow();
        PooledThread onB = first.stream().filter(t -> t.member().equals("b")).findFirst().orElseThrow();
        onA.turn("busy").block(WAIT);
        onB.turn("busy").block(WAIT);
        assertThat(newThread().member()).isEqualTo("c");

        assertThat(pool.health()).extracting(MemberHealth::name, MemberHealth::runningTurns, MemberHealth::threads)
                .containsExactly(tuple("a", 1, 1),
                        tuple("b", 1, 1), tuple("c", 0, 2));
    }

    @Test
    void aCustomPlacementStrategyDecides() {
        started(b -> b.placement(candidates -> candidates.get(candidates.size() - 1)), "a", "b");

        assertThat(List.of(newThread(), newThread(), newThread())).extracting(PooledThread::member)
                .containsOnly("b");
    }

    @Test
    void everyTurnOfAThreadRunsOnTheMemberThatHoldsIt() {
        started(b -> { }, "a", "b");
        List<PooledThread> threads = List.of(newThread(), newThread(), newThread(), newThread());
        for (int round = 0; round < 3; round++) {
            for (PooledThread thread : threads) {
                // by id, as a later request of the service would find it
                PooledThread found = pool.thread(thread.id()).block(WAIT);
                assertThat(found.member()).isEqualTo(thread.member());
                CompletableFuture<TurnResult> result = found.run("round " + round).toFuture();
                FakeMember holder = fakes.get(thread.member());
                StartedTurn turn = holder.nextStartedTurn(WAIT);
                assertThat(turn.threadId()).isEqualTo(thread.id());
                holder.complete(turn, "done " + round);
                assertThat(Futures.await(result, WAIT).finalResponse()).isEqualTo("done " + round);
            }
        }
        for (FakeMember fake : fakes.values()) {
            assertThat(fake.turnThreads).hasSize(6).allSatisfy(id -> assertThat(id).startsWith(fake.name + "-"));
        }
    }

    @Test
    void aTurnsSlotIsFreeBeforeItsOutcomeReachesTheCaller() {
        started(b -> { }, "a");
        PooledThread thread = newThread();
        // read the health in the very signal that delivers the outcome: nothing later may still hold the slot
        CompletableFuture<Integer> runningAtResult = thread.run("one")
                .map(r -> pool.health("a").runningTurns()).toFuture();
        fakes.get("a").complete(fakes.get("a").nextStartedTurn(WAIT), "done");
        assertThat(Futures.await(runningAtResult, WAIT)).isZero();

        CompletableFuture<Integer> runningAtFailure = thread.run("two")
                .map(r -> -1).onErrorResume(e -> Mono.fromCallable(
                        () -> pool.health("a").runningTurns())).toFuture();
        fakes.get("a").nextStartedTurn(WAIT);
        fakes.get("a").kill();
        assertThat(Futures.await(runningAtFailure, WAIT)).isZero();
    }

    @Test
    void aStreamedTurnsSlotIsFreeBeforeItsStreamEnds() {
        started(b -> { }, "a");
        PooledThread thread = newThread();
        // read the health in the very signal that ends the stream: nothing later may still hold the slot
        CompletableFuture<Integer> runningAtEnd = thread.stream(TurnInput.text("one"), TurnOptions.defaults())
                .then(Mono.fromCallable(() -> pool.health("a").runningTurns())).toFuture();
        fakes.get("a").complete(fakes.get("a").nextStartedTurn(WAIT), "done");
        assertThat(Futures.await(runningAtEnd, WAIT)).isZero();

        CompletableFuture<Integer> runningAtFailure = thread.stream(TurnInput.text("two"), TurnOptions.defaults())
                .then(Mono.just(-1)).onErrorResume(e -> Mono.fromCallable(
                        () -> pool.health("a").runningTurns())).toFuture();
        fakes.get("a").nextStartedTurn(WAIT);
        fakes.get("a").kill();
        assertThat(Futures.await(runningAtFailure, WAIT)).isZero();
    }

    @Test
    void aThreadWhoseStartFailedIsNoLongerCountedWhenTheFailureReachesTheCaller() {
        started(b -> { }, "a");
        fakes.get("a").stall(); // thread/start is not answered...
        CompletableFuture<Integer> threadsAtFailure = pool.startThread(ThreadOptions.defaults())
                .map(t -> -1).onErrorResume(e -> Mono.fromCallable(() -> pool.health("a").threads())).toFuture();
        awaitHealth("a", h -> h.threads() == 1); // placed, its start under way
        fakes.get("a").kill(); // ...and fails with the connection

        assertThat(Futures.await(threadsAtFailure, WAIT)).isZero();
    }

    @Test
    void aForkStaysOnTheMemberOfItsSourceWhateverThePlacementWouldChoose() {
        started(b -> { }, "a", "b");
        PooledThread source = newThread();
        newThread();
        newThread(); // a holds two threads now, b one: placement would choose b

        PooledThread fork = pool.fork(source, ThreadOptions.defaults()).block(WAIT);

        assertThat(source.member()).isEqualTo("a");
        assertThat(fork.member()).isEqualTo("a");
        assertThat(fork.id()).isNotEqualTo(source.id()).startsWith("a-");
        assertThat(fakes.get("a").methods).contains("thread/fork");
        assertThat(pool.memberOf(fork.id())).contains("a");
    }

    @Test
    void pastTheCapATurnWaitsInTheQueueAndRunsWhenASlotFrees() {
        started(b -> b.maxTurnsPerMember(1).maxQueuedTurnsPerMember(1), "a");
        PooledThread first = newThread();
        PooledThread second = newThread();
        CompletableFuture<TurnResult> firstResult = first.run("one").toFuture();
        StartedTurn running = fakes.get("a").nextStartedTurn(WAIT);

        CompletableFuture<TurnResult> secondResult = second.run("two").toFuture();
        awaitHealth("a", h -> h.queuedTurns() == 1);
        assertThat(fakes.get("a").turnThreads).containsExactly(first.id()); // the second was not sent
        assertThat(secondResult).isNotDone();

        fakes.get("a").complete(running, "first");
        assertThat(Futures.await(firstResult, WAIT).finalResponse()).isEqualTo("first");
        StartedTurn next = fakes.get("a").nextStartedTurn(WAIT);
        assertThat(next.threadId()).isEqualTo(second.id());
        fakes.get("a").complete(next, "second");
        assertThat(Futures.await(secondResult, WAIT).finalResponse()).isEqualTo("second");
        assertThat(awaitHealth("a", h -> h.runningTurns() == 0).queuedTurns()).isZero();
    }

    @Test
    void aTurnPastTheQueuesBoundFailsAtOnceWithoutBeingSent() {
        started(b -> b.maxTurnsPerMember(1).maxQueuedTurnsPerMember(1), "a");
        PooledThread first = newThread();
        PooledThread second = newThread();
        PooledThread third = newThread();
        first.run("one").subscribe(r -> { }, e -> { });
        fakes.get("a").nextStartedTurn(WAIT);
        second.run("two").subscribe(r -> { }, e -> { });
        awaitHealth("a", h -> h.queuedTurns() == 1);

        assertThatThrownBy(() -> third.run("three").block(WAIT))
                .isInstanceOfSatisfying(PoolSaturatedException.class, e -> {
                    assertThat(e.member()).isEqualTo("a");
                    assertThat(e.timedOut()).isFalse();
                    assertThat(e).hasMessageContaining("saturated").hasMessageContaining("1 waiting");
                });
        assertThat(fakes.get("a").turnThreads).containsExactly(first.id());
        assertThat(pool.health("a").queuedTurns()).isEqualTo(1);
    }

    @Test
    void aQueuedTurnThatGetsNoSlotInTimeFailsWithTheQueueTimeout() {
        started(b -> b.maxTurnsPerMember(1).maxQueuedTurnsPerMember(4).queueTimeout(Duration.ofMillis(300)), "a");
        PooledThread first = newThread();
        PooledThread second = newThread();
        first.run("one").subscribe(r -> { }, e -> { });
        fakes.get("a").nextStartedTurn(WAIT);

        Throwable failure = Futures.failure(second.run("two").toFuture(), WAIT);

        assertThat(failure).isInstanceOfSatisfying(PoolSaturatedException.class,
                e -> assertThat(e.timedOut()).isTrue());
        assertThat(failure).hasMessageContaining("no turn slot").hasMessageContaining("PT0.3S");
        assertThat(pool.health("a").queuedTurns()).isZero();
        assertThat(fakes.get("a").turnThreads).containsExactly(first.id());
    }

    @Test
    void aQueuedTurnWhoseCallerGivesUpLeavesTheQueueAndIsNeverSent() {
        started(b -> b.maxTurnsPerMember(1), "a");
        PooledThread first = newThread();
        PooledThread second = newThread();
        CompletableFuture<TurnResult> firstResult = first.run("one").toFuture();
        StartedTurn running = fakes.get("a").nextStartedTurn(WAIT);
        reactor.core.Disposable waiting = second.run("two").subscribe(r -> { }, e -> { });
        awaitHealth("a", h -> h.queuedTurns() == 1);

        waiting.dispose();

        awaitHealth("a", h -> h.queuedTurns() == 0);
        fakes.get("a").complete(running, "first");
        Futures.await(firstResult, WAIT);
        awaitHealth("a", h -> h.runningTurns() == 0);
        assertThat(fakes.get("a").turnThreads).containsExactly(first.id());
    }

    @Test
    void aStreamedTurnCarriesItsEventsToTheCompletionAndFreesItsSlot() {
        started(b -> b.maxTurnsPerMember(1), "a");
        PooledThread thread = newThread();
        CompletableFuture<List<String>> events = thread.stream(dev.codex4j.appserver.thread.TurnInput.text("go"),
                dev.codex4j.appserver.thread.TurnOptions.defaults())
                .map(dev.codex4j.appserver.protocol.ServerNotification::method).collectList().toFuture();
        StartedTurn turn = fakes.get("a").nextStartedTurn(WAIT);
        assertThat(pool.health("a").runningTurns()).isEqualTo(1);

        fakes.get("a").complete(turn, "streamed");

        assertThat(Futures.await(events, WAIT)).containsExactly("turn/started", "item/completed", "turn/completed");
        awaitHealth("a", h -> h.runningTurns() == 0);
    }

    @Test
    void aTenantsThreadsRunOnlyOnItsOwnMembersAndAreInvisibleToOtherTenants() {
        fakes = FakeMember.named("shared", "acme-1", "acme-2", "globex");
        pool = AppServerPool.builder().member("shared", fakes.get("shared").builder())
                .member("acme-1", fakes.get("acme-1").builder(), "acme")
                .member("acme-2", fakes.get("acme-2").builder(), "acme")
                .member("globex", fakes.get("globex").builder(), "globex").build();
        pool.start().block(WAIT);

        List<PooledThread> acme = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            acme.add(pool.startThread(ThreadOptions.defaults(), "acme").block(WAIT));
        }
        PooledThread globex = pool.startThread(ThreadOptions.defaults(), "globex").block(WAIT);
        PooledThread shared = newThread();

        assertThat(acme).extracting(PooledThread::member).containsOnly("acme-1", "acme-2")
                .contains("acme-1", "acme-2");
        assertThat(acme).extracting(PooledThread::tenant).containsOnly("acme");
        assertThat(globex.member()).isEqualTo("globex");
        assertThat(shared.member()).isEqualTo("shared");
        // globex asking for acme's thread: looked for only on globex's member, which does not have it
        assertThatThrownBy(() -> pool.thread(acme.get(0).id(), "globex").block(WAIT))
                .isInstanceOf(ThreadNotFoundException.class);
        assertThatThrownBy(() -> pool.thread(acme.get(0).id()).block(WAIT))
                .isInstanceOf(ThreadNotFoundException.class);
        assertThat(fakes.get("globex").methods).doesNotContain("turn/start").filteredOn("thread/start"::equals)
                .hasSize(1);
        assertThat(pool.thread(acme.get(0).id(), "acme").block(WAIT).member()).isEqualTo(acme.get(0).member());
        assertThatThrownBy(() -> pool.startThread(ThreadOptions.defaults(), "initech").block(WAIT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initech");
    }

    @Test
    void aDrainingMemberTakesNoNewWorkFinishesItsTurnsAndIsClosed() {
        started(b -> { }, "a", "b");
        PooledThread onA = newThread();
        PooledThread other = newThread();
        assertThat(List.of(onA.member(), other.member())).containsExactly("a", "b");
        CompletableFuture<TurnResult> running = onA.run("long").toFuture();
        StartedTurn turn = fakes.get("a").nextStartedTurn(WAIT);

        CompletableFuture<DrainResult> drained = pool.drain("a", WAIT).toFuture();
        awaitHealth("a", h -> h.state() == MemberState.DRAINING);
        assertThat(List.of(newThread(), newThread(), newThread())).extracting(PooledThread::member).containsOnly("b");
        assertThat(pool.thread(other.id()).block(WAIT).member()).isEqualTo("b");
        assertThatThrownBy(() -> pool.thread(onA.id()).block(WAIT)).isInstanceOf(MemberUnavailableException.class);
        assertThat(drained).isNotDone();

        fakes.get("a").complete(turn, "finished");
        assertThat(Futures.await(running, WAIT).status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(Futures.await(drained, WAIT)).isEqualTo(new DrainResult("a", true, 0));
        assertThat(pool.health("a").state()).isEqualTo(MemberState.CLOSED);
        assertThat(pool.client("a").isReady()).isFalse();
    }

    @Test
    void aDrainCutsOffTurnsStillRunningAtItsDeadline() {
        started(b -> { }, "a");
        PooledThread thread = newThread();
        CompletableFuture<TurnResult> running = thread.run("never ends").toFuture();
        fakes.get("a").nextStartedTurn(WAIT);

        DrainResult result = pool.drain("a", Duration.ofMillis(300)).block(WAIT);

        assertThat(result).isEqualTo(new DrainResult("a", false, 1));
        assertThat(Futures.failure(running, WAIT)).isInstanceOf(ConnectionClosedException.class);
        assertThat(pool.health("a").state()).isEqualTo(MemberState.CLOSED);
    }

    @Test
    void aDeadMembersRunningTurnsFailItLeavesPlacementAndOtherMembersCarryOn() {
        started(b -> b.maxTurnsPerMember(1), "a", "b");
        PooledThread onA = newThread();
        PooledThread onB = newThread();
        PooledThread queuedOnA = pool.startThread(ThreadOptions.defaults()).block(WAIT);
        assertThat(List.of(onA.member(), onB.member(), queuedOnA.member())).containsExactly("a", "b", "a");
        CompletableFuture<TurnResult> dying = onA.run("a").toFuture();
        StartedTurn turnA = fakes.get("a").nextStartedTurn(WAIT);
        CompletableFuture<TurnResult> queued = queuedOnA.run("queued").toFuture();
        CompletableFuture<TurnResult> surviving = onB.run("b").toFuture();
        StartedTurn turnB = fakes.get("b").nextStartedTurn(WAIT);
        awaitHealth("a", h -> h.queuedTurns() == 1);

        fakes.get("a").kill();

        assertThat(Futures.failure(dying, WAIT)).isInstanceOf(ConnectionClosedException.class);
        assertThat(Futures.failure(queued, WAIT)).isInstanceOf(ConnectionClosedException.class);
        awaitHealth("a", h -> h.state() == MemberState.DEAD && h.load() == 0); // the dead turn's slot is freed
        assertThat(List.of(newThread(), newThread())).extracting(PooledThread::member).containsOnly("b");
        assertThatThrownBy(() -> onA.run("again").block(WAIT)).isInstanceOf(MemberUnavailableException.class);
        fakes.get("b").complete(turnB, "b done");
        assertThat(Futures.await(surviving, WAIT).finalResponse()).isEqualTo("b done");
        assertThat(fakes.get("a").turnThreads).containsExactly(onA.id()); // nothing re-run
        assertThat(turnA.threadId()).isEqualTo(onA.id());
    }

    @Test
    void aMemberRestartedByItsRestartPolicyComesBackIntoPlacementWithItsThreads() {
        fakes = FakeMember.named("a", "b");
        pool = AppServerPool.builder()
                .member("a", fakes.get("a").builder().restartOnCrash(
                        RestartPolicy.of(1, Duration.ofMillis(50), Duration.ofMillis(50))))
                .member("b", fakes.get("b").builder()).build();
        pool.start().block(WAIT);
        PooledThread onA = newThread();
        assertThat(onA.member()).isEqualTo("a");
        CompletableFuture<TurnResult> dying = onA.run("a").toFuture();
        fakes.get("a").nextStartedTurn(WAIT);

        fakes.get("a").kill();

        assertThat(Futures.failure(dying, WAIT)).isInstanceOf(ConnectionClosedException.class);
        MemberHealth back = awaitHealth("a", h -> h.state() == MemberState.READY && h.restarts() == 1);
        assertThat(back.runningTurns()).isZero();
        CompletableFuture<TurnResult> again = pool.thread(onA.id()).block(WAIT).run("again").toFuture();
        StartedTurn turn = fakes.get("a").nextStartedTurn(WAIT);
        assertThat(turn.threadId()).isEqualTo(onA.id());
        fakes.get("a").complete(turn, "back");
        assertThat(Futures.await(again, WAIT).finalResponse()).isEqualTo("back");
        assertThat(fakes.get("a").turnThreads).containsExactly(onA.id(), onA.id());
        assertThat(pool.health().stream().map(MemberHealth::state).collect(Collectors.toList()))
                .containsOnly(MemberState.READY);
    }

    /** Members a (with {@code restartsOfA}) and b, one turn each at a time, probed every 50 ms; two misses of 250 ms. */
    private void startedWithProbes(RestartPolicy restartsOfA) {
        fakes = FakeMember.named("a", "b");
        pool = AppServerPool.builder()
                .member("a", fakes.get("a").builder().restartOnCrash(restartsOfA))
                .member("b", fakes.get("b").builder())
                .maxTurnsPerMember(1)
                .healthProbe(Duration.ofMillis(50), Duration.ofMillis(250), 2)
                .build();
        pool.start().block(WAIT);
    }

    @Test
    void aMemberThatStopsAnsweringLeavesPlacementFailsItsTurnsAndIsBackOnceRestarted() {
        startedWithProbes(RestartPolicy.of(3, Duration.ofMillis(50), Duration.ofMillis(50)));
        PooledThread onA = newThread();
        PooledThread onB = newThread();
        PooledThread queuedOnA = newThread();
        assertThat(List.of(onA.member(), onB.member(), queuedOnA.member())).containsExactly("a", "b", "a");
        CompletableFuture<TurnResult> running = onA.run("a").toFuture();
        fakes.get("a").nextStartedTurn(WAIT);
        CompletableFuture<TurnResult> queued = queuedOnA.run("queued").toFuture();
        awaitHealth("a", h -> h.queuedTurns() == 1);
        // probes answered: both stay ready
        awaitHealth("a", h -> fakes.get("a").methods.contains(HealthProbe.METHOD));
        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.READY);

        fakes.get("a").stall(); // stays connected, answers nothing (also not a restart's handshake, for now)

        assertThat(Futures.failure(running, WAIT)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("pool member 'a' stopped answering: 2 health probes in a row");
        assertThat(Futures.failure(queued, WAIT)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("stopped answering");
        awaitHealth("a", h -> h.state() == MemberState.UNRESPONSIVE && h.load() == 0);
        assertThat(List.of(newThread(), newThread())).extracting(PooledThread::member).containsOnly("b");
        assertThatThrownBy(() -> onA.run("refused").block(WAIT)).isInstanceOfSatisfying(
                MemberUnavailableException.class, e -> assertThat(e.state()).isEqualTo(MemberState.UNRESPONSIVE));
        CompletableFuture<TurnResult> onOther = onB.run("b").toFuture();
        fakes.get("b").complete(fakes.get("b").nextStartedTurn(WAIT), "b done");
        assertThat(Futures.await(onOther, WAIT).finalResponse()).isEqualTo("b done");
        assertThat(pool.health("b").state()).isEqualTo(MemberState.READY);

        fakes.get("a").answerAgain(); // the new process answers: the restart completes

        awaitHealth("a", h -> h.state() == MemberState.READY && h.restarts() == 1);
        CompletableFuture<TurnResult> again = pool.thread(onA.id()).block(WAIT).run("again").toFuture();
        StartedTurn turn = fakes.get("a").nextStartedTurn(WAIT);
        assertThat(turn.threadId()).isEqualTo(onA.id());
        fakes.get("a").complete(turn, "back");
        assertThat(Futures.await(again, WAIT).finalResponse()).isEqualTo("back");
        assertThat(fakes.get("a").turnThreads).containsExactly(onA.id(), onA.id()); // the failed turn was not re-run
    }

    @Test
    void withoutARestartPolicyAMemberThatStopsAnsweringIsDeadForGood() {
        startedWithProbes(RestartPolicy.none());
        PooledThread onA = newThread();
        CompletableFuture<TurnResult> running = onA.run("a").toFuture();
        fakes.get("a").nextStartedTurn(WAIT);

        fakes.get("a").stall();

        assertThat(Futures.failure(running, WAIT)).isInstanceOf(ConnectionClosedException.class)
                .hasMessageContaining("stopped answering");
        awaitHealth("a", h -> h.state() == MemberState.DEAD);
        assertThat(pool.client("a").isReady()).isFalse();
        assertThat(newThread().member()).isEqualTo("b");
    }

    @Test
    void probesStopWithThePoolAndLeaveNoThreadBehind() {
        startedWithProbes(RestartPolicy.none());
        awaitHealth("a", h -> fakes.get("a").methods.contains(HealthProbe.METHOD));

        pool.close();

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive()
                && t.getName().startsWith("codex4j-pool-"))) {
            assertThat(System.nanoTime()).as("pool threads still alive after close").isLessThan(deadline);
            LockSupport.parkNanos(5_000_000); // thread ends have no event to wait on
        }
        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.CLOSED);
    }

    @Test
    void aProbeSettingThatMakesNoSenseIsRefused() {
        assertThatThrownBy(() -> AppServerPool.builder().healthProbe(Duration.ZERO, Duration.ofSeconds(1), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
        assertThatThrownBy(() -> AppServerPool.builder().healthProbe(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}

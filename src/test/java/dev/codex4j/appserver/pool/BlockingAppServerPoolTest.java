package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.pool.FakeMember.StartedTurn;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.thread.BlockingTurnHandle;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import dev.codex4j.appserver.testing.Futures;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The blocking pool over in-memory app-servers ({@link FakeMember}): the same behaviour, no Reactor in sight. */
@Timeout(60)
class BlockingAppServerPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private BlockingAppServerPool pool;
    private Map<String, FakeMember> fakes;

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    private BlockingAppServerPool opened(Consumer<AppServerPool.Builder> settings, String... names) {
        fakes = FakeMember.named(names);
        AppServerPool.Builder builder = FakeMember.poolOf(fakes);
        settings.accept(builder);
        pool = BlockingAppServerPool.open(builder);
        return pool;
    }

    /** Completes the next turn {@code member} starts, from another thread, while the caller blocks. */
    private CompletableFuture<StartedTurn> completeNextTurn(String member, String text) {
        return CompletableFuture.supplyAsync(() -> {
            StartedTurn turn = fakes.get(member).nextStartedTurn(WAIT);
            fakes.get(member).complete(turn, text);
            return turn;
        });
    }

    @Test
    void startsFindsForksAndRunsThreadsOnTheirMembersAndClosesWhatItOpened() {
        opened(b -> { }, "a", "b");
        BlockingPooledThread first = pool.startThread(ThreadOptions.defaults());
        BlockingPooledThread second = pool.startThread(ThreadOptions.defaults());
        assertThat(List.of(first.member(), second.member())).containsExactly("a", "b");

        CompletableFuture<StartedTurn> served = completeNextTurn("b", "from b");
        TurnResult result = pool.thread(second.id()).run("hello");

        assertThat(result.finalResponse()).isEqualTo("from b");
        assertThat(Futures.await(served, WAIT).threadId()).isEqualTo(second.id());
        BlockingPooledThread fork = pool.fork(second, ThreadOptions.defaults());
        assertThat(fork.member()).isEqualTo("b");
        assertThat(pool.memberOf(fork.id())).contains("b");
        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.READY);

        pool.close();

        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.CLOSED);
    }

    @Test
    void aStreamedTurnHandsItsEventsToTheCallbackOnTheCallersThread() {
        opened(b -> { }, "a");
        BlockingPooledThread thread = pool.startThread(ThreadOptions.defaults());
        List<String> methods = new CopyOnWriteArrayList<>();
        List<Thread> callbackThreads = new CopyOnWriteArrayList<>();
        completeNextTurn("a", "streamed");

        TurnResult result = thread.runStreamed("go", event -> {
            methods.add(event.method());
            callbackThreads.add(Thread.currentThread());
        });

        assertThat(result.finalResponse()).isEqualTo("streamed");
        assertThat(methods).containsExactly("turn/started", "item/completed", "turn/completed");
        assertThat(callbackThreads).containsOnly(Thread.currentThread());
    }

    @Test
    void aTurnHandleStreamsItsEventsAndTheSlotIsFreedWhenItEnds() {
        opened(b -> b.maxTurnsPerMember(1), "a");
        BlockingPooledThread thread = pool.startThread(ThreadOptions.defaults());

        BlockingTurnHandle turn = thread.turn("go");

        assertThat(pool.health().get(0).runningTurns()).isEqualTo(1);
        fakes.get("a").complete(fakes.get("a").nextStartedTurn(WAIT), "done");
        try (Stream<ServerNotification> events = turn.events()) {
            assertThat(events.map(ServerNotification::method).collect(Collectors.toList()))
                    .containsExactly("turn/started", "item/completed", "turn/completed");
        }
        assertThat(turn.result().finalResponse()).isEqualTo("done");
        PoolTestSupport.awaitHealth(pool.reactive(), "a", h -> h.runningTurns() == 0, WAIT);
    }

    @Test
    void aFullMemberFailsTheCallWithPoolSaturatedExceptionAndNothingIsSent() {
        opened(b -> b.maxTurnsPerMember(1).maxQueuedTurnsPerMember(0), "a");
        BlockingPooledThread busy = pool.startThread(ThreadOptions.defaults());
        BlockingPooledThread refused = pool.startThread(ThreadOptions.defaults());
        busy.turn("takes the slot");

        assertThatThrownBy(() -> refused.run("no room")).isInstanceOfSatisfying(PoolSaturatedException.class,
                e -> assertThat(e.member()).isEqualTo("a"));
        assertThat(fakes.get("a").turnThreads).containsExactly(busy.id());
    }

    @Test
    void interruptingACallerBlockedInRunInterruptsTheTurnAndFreesItsSlot() throws Exception {
        opened(b -> { }, "a");
        BlockingPooledThread thread = pool.startThread(ThreadOptions.defaults());
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                thread.run("long");
                thrown.complete(null);
            } catch (Throwable e) {
                thrown.complete(e);
            }
        }, "blocked-caller");
        caller.start();
        fakes.get("a").nextStartedTurn(WAIT);

        caller.interrupt();

        assertThat(Futures.await(thrown, WAIT)).isNotNull();
        PoolTestSupport.awaitHealth(pool.reactive(), "a", h -> h.runningTurns() == 0, WAIT);
        assertThat(fakes.get("a").methods).contains("turn/interrupt");
    }

    @Test
    void aViewLeavesThePoolOpenWhenClosed() {
        opened(b -> { }, "a");

        pool.reactive().blocking().close();

        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.READY);
        assertThat(pool.startThread(ThreadOptions.defaults()).member()).isEqualTo("a");
    }

    @Test
    void noReactorTypeAppearsInTheBlockingSignatures() {
        for (Class<?> type : List.of(BlockingAppServerPool.class, BlockingPooledThread.class)) {
            for (Method method : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(method.getModifiers())) {
                    continue;
                }
                assertThat(Stream.concat(Stream.of(method.getGenericReturnType().getTypeName()),
                        Stream.of(method.getGenericParameterTypes()).map(java.lang.reflect.Type::getTypeName)))
                        .as(type.getSimpleName() + "." + method.getName())
                        .noneMatch(name -> name.contains("reactor."));
            }
        }
    }
}

package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.rpc.AppServerStartException;
import dev.codex4j.appserver.pool.FakeMember.StartedTurn;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A member whose first start fails (its app-server is not up yet, as a pod that comes up after the service) is
 * started again under its client's {@code RestartPolicy}, and joins placement once it is up; the pool's
 * {@code start()} still reports the first failure.
 */
@Timeout(60)
class AppServerPoolStartRetryTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final RestartPolicy SOON = RestartPolicy.of(1000, Duration.ofMillis(5), Duration.ofMillis(20));

    private AppServerPool pool;
    private final Map<String, FakeMember> fakes = FakeMember.named("a", "b");

    @AfterEach
    void tearDown() {
        if (pool != null) {
            pool.close();
        }
    }

    /** Member a with {@code restarts}, b without; a's first {@code refused} connections are refused. */
    private Throwable startedWithAFailing(RestartPolicy restarts, int refused) {
        fakes.get("a").refuseConnections(refused);
        pool = AppServerPool.builder()
                .member("a", fakes.get("a").builder().restartOnCrash(restarts))
                .member("b", fakes.get("b").builder())
                .healthProbe(Duration.ofMillis(20), Duration.ofSeconds(5), 3)
                .build();
        return Futures.failure(pool.start().toFuture(), WAIT);
    }

    private MemberHealth awaitHealth(String member, java.util.function.Predicate<MemberHealth> condition) {
        return PoolTestSupport.awaitHealth(pool, member, condition, WAIT);
    }

    @Test
    void aMemberNotUpAtStartIsDeadWhileRetriedThenReadyAndPlaced() {
        Throwable startFailure = startedWithAFailing(SOON, Integer.MAX_VALUE);

        // start() reports the first failure, as without retries; b is usable meanwhile
        assertThat(startFailure).isInstanceOf(AppServerStartException.class).hasMessageContaining("not up yet");
        awaitHealth("a", h -> fakes.get("a").refusedConnections() >= 3); // retried, still refused
        assertThat(pool.health("a").state()).isEqualTo(MemberState.DEAD);
        assertThat(pool.health("b").state()).isEqualTo(MemberState.READY);
        PooledThread onB = pool.startThread(ThreadOptions.defaults()).block(WAIT);
        assertThat(onB.member()).isEqualTo("b");

        fakes.get("a").refuseConnections(0); // the app-server is up now

        MemberHealth up = awaitHealth("a", h -> h.state() == MemberState.READY);
        assertThat(up.restarts()).isEqualTo(1);
        assertThat(pool.client("a").initializeResponse().userAgent()).isEqualTo("fake/0.0.0");
        awaitHealth("a", h -> fakes.get("a").methods.contains(HealthProbe.METHOD)); // probed from now on
        onB.turn("keeps b busy").block(WAIT);
        PooledThread onA = pool.startThread(ThreadOptions.defaults()).block(WAIT);
        assertThat(onA.member()).isEqualTo("a");
        CompletableFuture<TurnResult> result = onA.run("hello").toFuture();
        StartedTurn turn = fakes.get("a").nextStartedTurn(WAIT);
        assertThat(turn.threadId()).isEqualTo(onA.id());
        fakes.get("a").complete(turn, "from a");
        assertThat(Futures.await(result, WAIT).finalResponse()).isEqualTo("from a");
    }

    @Test
    void aServerThatEndsItsFirstHandshakesIsRetriedToo() {
        fakes.get("a").dieInHandshake(2);
        pool = AppServerPool.builder()
                .member("a", fakes.get("a").builder().restartOnCrash(SOON))
                .member("b", fakes.get("b").builder())
                .build();

        assertThat(Futures.failure(pool.start().toFuture(), WAIT)).isInstanceOf(ConnectionClosedException.class);

        MemberHealth up = awaitHealth("a", h -> h.state() == MemberState.READY);
        assertThat(up.restarts()).isEqualTo(1);
        assertThat(fakes.get("a").methods.stream().filter("initialize"::equals).count()).isEqualTo(3);
    }

    @Test
    void whenTheBudgetIsSpentTheMemberIsDeadForGood() {
        startedWithAFailing(RestartPolicy.of(2, Duration.ZERO, Duration.ZERO), Integer.MAX_VALUE);

        Throwable end = Futures.failure(pool.client("a").connectionEvents().then().toFuture(), WAIT);

        assertThat(end).isInstanceOf(ConnectionClosedException.class);
        assertThat(fakes.get("a").refusedConnections()).isEqualTo(3); // the first start and two retries
        assertThat(pool.health("a").state()).isEqualTo(MemberState.DEAD);
        assertThat(pool.client("a").isReady()).isFalse();
        assertThat(pool.startThread(ThreadOptions.defaults()).block(WAIT).member()).isEqualTo("b");
    }

    @Test
    void withoutARestartPolicyAFailedStartIsNotRetried() {
        startedWithAFailing(RestartPolicy.none(), 1);

        assertThatThrownBy(() -> pool.client("a").connectionEvents().blockLast(WAIT))
                .isInstanceOf(ConnectionClosedException.class).hasRootCauseInstanceOf(java.net.ConnectException.class);
        assertThat(fakes.get("a").refusedConnections()).isEqualTo(1);
        assertThat(pool.health("a").state()).isEqualTo(MemberState.DEAD);
    }

    @Test
    void closingThePoolEndsPendingRetriesAndTheirThreads() {
        Set<Thread> before = codexThreads();
        startedWithAFailing(RestartPolicy.of(5, Duration.ofSeconds(30), Duration.ofSeconds(30)), Integer.MAX_VALUE);
        awaitHealth("a", h -> h.state() == MemberState.DEAD);
        CompletableFuture<Void> events = pool.client("a").connectionEvents().then().toFuture();

        pool.close(); // a retry is due in 30 s

        Futures.await(events, WAIT); // the client ended as closed, not as given up
        assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.CLOSED);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!before.containsAll(codexThreads())) {
            assertThat(System.nanoTime()).as("threads still alive after close: %s", codexThreads())
                    .isLessThan(deadline);
            LockSupport.parkNanos(5_000_000); // thread ends have no event to wait on
        }
        assertThat(fakes.get("a").refusedConnections()).isEqualTo(1);
    }

    private static Set<Thread> codexThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("codex4j-")).collect(Collectors.toSet());
    }
}

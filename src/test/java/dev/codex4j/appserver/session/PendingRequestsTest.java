package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class PendingRequestsTest {

    private final PendingRequests pending = new PendingRequests();

    private static final class Recorder implements PendingRequests.Waiter {
        final List<Object> outcomes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onResponse(Response response) {
            outcomes.add(response);
        }

        @Override
        public void onFailure(Throwable error) {
            outcomes.add(error);
        }
    }

    private static Response ok(long id) {
        return new Response(RequestId.of(id), TextNode.valueOf("r" + id), null);
    }

    @Test
    void aResponseCompletesItsRequestOnceAndRemovesIt() {
        Recorder waiter = new Recorder();
        long id = pending.nextId();
        pending.register(id, "m", waiter);
        assertThat(pending.complete(ok(id))).isEqualTo("m");
        assertThat(pending.complete(ok(id))).isNull();
        assertThat(waiter.outcomes).hasSize(1);
        assertThat(pending.size()).isZero();
    }

    @Test
    void aTimedOutRequestIgnoresItsLateResponse() {
        Recorder waiter = new Recorder();
        long id = pending.nextId();
        pending.register(id, "m", waiter);
        assertThat(pending.fail(id, new RuntimeException("timeout"))).isTrue();
        assertThat(pending.complete(ok(id))).isNull();
        assertThat(waiter.outcomes).singleElement().isInstanceOf(RuntimeException.class);
    }

    @Test
    void stringIdsMatchNoClientRequest() {
        Recorder waiter = new Recorder();
        pending.register(pending.nextId(), "m", waiter);
        assertThat(pending.complete(new Response(RequestId.of("1"), TextNode.valueOf("x"), null))).isNull();
        assertThat(waiter.outcomes).isEmpty();
    }

    @Test
    void closingFailsEverythingPendingAndEverythingRegisteredLater() {
        Recorder before = new Recorder();
        pending.register(pending.nextId(), "a", before);
        IllegalStateException cause = new IllegalStateException("gone");
        pending.closeAll(cause);
        Recorder after = new Recorder();
        pending.register(pending.nextId(), "b", after);
        assertThat(before.outcomes).containsExactly(cause);
        assertThat(after.outcomes).containsExactly(cause);
        assertThat(pending.size()).isZero();
    }

    @Test
    void racingCompletionsCompleteEachRequestExactlyOnce() throws Exception {
        int requests = 2000;
        AtomicInteger completions = new AtomicInteger();
        PendingRequests.Waiter counting = new PendingRequests.Waiter() {
            @Override
            public void onResponse(Response response) {
                completions.incrementAndGet();
            }

            @Override
            public void onFailure(Throwable error) {
                completions.incrementAndGet();
            }
        };
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long id = pending.nextId();
            ids.add(id);
            pending.register(id, "m", counting);
        }
        CountDownLatch go = new CountDownLatch(1);
        Thread responder = new Thread(() -> {
            await(go);
            ids.forEach(id -> pending.complete(ok(id)));
        });
        Thread timeouts = new Thread(() -> {
            await(go);
            ids.forEach(id -> pending.fail(id, new RuntimeException()));
        });
        Thread closer = new Thread(() -> {
            await(go);
            pending.closeAll(new RuntimeException("closed"));
        });
        responder.start();
        timeouts.start();
        closer.start();
        go.countDown();
        responder.join();
        timeouts.join();
        closer.join();
        assertThat(completions.get()).isEqualTo(requests);
        assertThat(pending.size()).isZero();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void theSweepFailsOnlyOverdueRequestsAndEachOnce() {
        Recorder overdue = new Recorder();
        Recorder later = new Recorder();
        Recorder forever = new Recorder();
        pending.register(1, "a", 1_000, overdue);
        pending.register(2, "b", 5_000, later);
        pending.register(3, "c", forever);

        assertThat(pending.failExpired(1_000, (id, method, timeout) -> new RuntimeException(method + " " + id))).isEqualTo(1);
        assertThat(pending.failExpired(2_000, (id, method, timeout) -> new RuntimeException("again"))).isZero();

        assertThat(overdue.outcomes).singleElement().isInstanceOfSatisfying(RuntimeException.class,
                e -> assertThat(e).hasMessage("a 1"));
        assertThat(later.outcomes).isEmpty();
        assertThat(pending.size()).isEqualTo(2);
        assertThat(pending.failExpired(Long.MAX_VALUE - 1, (id, method, timeout) -> new RuntimeException("late"))).isEqualTo(1);
        assertThat(forever.outcomes).isEmpty(); // no deadline
    }

    @Test
    void eachRequestExpiresAfterItsOwnTimeoutAndFailsNamingIt() {
        Recorder brief = new Recorder();
        Recorder patient = new Recorder();
        Recorder endless = new Recorder();
        pending.register(1, "brief", 1_000, Duration.ofNanos(500), brief);
        pending.register(2, "patient", 1_000, Duration.ofNanos(5_000), patient);
        pending.register(3, "endless", 1_000, ChronoUnit.FOREVER.getDuration(), endless);

        PendingRequests.TimeoutCause cause = (id, method, timeout) -> new RuntimeException(method + " " + timeout);
        assertThat(pending.failExpired(1_500, cause)).isEqualTo(1);
        assertThat(brief.outcomes).singleElement().satisfies(e -> assertThat((Throwable) e).hasMessage("brief PT0.0000005S"));
        assertThat(patient.outcomes).isEmpty();
        assertThat(pending.failExpired(6_000, cause)).isEqualTo(1);
        assertThat(patient.outcomes).singleElement().satisfies(e -> assertThat((Throwable) e).hasMessage("patient PT0.000005S"));
        assertThat(pending.failExpired(Long.MAX_VALUE - 1, cause)).as("too long to count: no deadline").isZero();
        assertThat(endless.outcomes).isEmpty();
        assertThat(PendingRequests.deadline(Long.MAX_VALUE - 10, Duration.ofDays(365L * 100)))
                .isEqualTo(PendingRequests.NO_DEADLINE);
    }

    @Test
    void takeHandsTheWaiterOverWithoutCompletingIt() {
        Recorder waiter = new Recorder();
        pending.register(7, "m", waiter);
        assertThat(pending.take(ok(7))).isSameAs(waiter);
        assertThat(waiter.outcomes).isEmpty();
        assertThat(pending.take(ok(7))).isNull();
        assertThat(pending.fail(7, new RuntimeException("x"))).isFalse();
    }
}

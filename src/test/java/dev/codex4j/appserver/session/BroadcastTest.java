package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.NotificationOverflowException;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

@Timeout(30)
class BroadcastTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final Scheduler scheduler = Schedulers.newBoundedElastic(4, 1000, "broadcast-test");

    @AfterEach
    void tearDown() {
        scheduler.dispose();
    }

    @Test
    void everySubscriberGetsEveryEventInOrderThenTheEnd() {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 1000);
        StepVerifier first = StepVerifier.create(broadcast.flux()).expectNext(1, 2, 3, 4).expectComplete().verifyLater();
        StepVerifier second = StepVerifier.create(broadcast.flux()).expectNext(1, 2, 3, 4).expectComplete()
                .verifyLater();
        awaitSubscribers(broadcast, 2);
        broadcast.publishAll(List.of(1, 2, 3));
        broadcast.publish(4);
        broadcast.complete();
        first.verify(WAIT);
        second.verify(WAIT);
        assertThat(broadcast.subscriberCount()).isZero();
    }

    @Test
    void aSubscriberGetsOnlyWhatItRequestsAndTheRestWhenItAsks() {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 1000);
        StepVerifier verifier = StepVerifier.create(broadcast.flux(), 2)
                .expectNext(1, 2)
                .expectNoEvent(Duration.ofMillis(100)) // proving absence: nothing beyond the demand
                .thenRequest(10)
                .expectNext(3, 4, 5)
                .thenCancel()
                .verifyLater();
        awaitSubscribers(broadcast, 1);
        broadcast.publishAll(List.of(1, 2, 3, 4, 5));
        verifier.verify(WAIT);
        assertThat(broadcast.subscriberCount()).as("cancelled").isZero();
    }

    @Test
    void aSubscriberThatFallsTooFarBehindGetsWhatFitThenTheOverflowAndOthersGoOn() throws Exception {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 4);
        StepVerifier stalled = StepVerifier.create(broadcast.flux(), 0)
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(Long.MAX_VALUE)
                .expectNext(1, 2, 3, 4)
                .expectError(NotificationOverflowException.class)
                .verifyLater();
        BlockingQueue<Integer> healthy = new LinkedBlockingQueue<>();
        broadcast.flux().subscribe(healthy::add);
        awaitSubscribers(broadcast, 2);
        broadcast.publishAll(List.of(1, 2, 3));
        for (int i = 1; i <= 3; i++) { // the healthy one keeps up
            assertThat(healthy.poll(10, TimeUnit.SECONDS)).isEqualTo(i);
        }
        broadcast.publishAll(List.of(4, 5)); // 5 does not fit the stalled one's buffer of 4
        assertThat(broadcast.subscriberCount()).isEqualTo(1);
        broadcast.publish(6);
        for (int i = 4; i <= 6; i++) {
            assertThat(healthy.poll(10, TimeUnit.SECONDS)).isEqualTo(i);
        }
        stalled.verify(WAIT);
    }

    @Test
    void aSubscriberThatKeepsUpIsNeverFailedForOverflow() throws Exception {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 8);
        CountDownLatch all = new CountDownLatch(10_000);
        broadcast.flux().subscribe(n -> all.countDown());
        awaitSubscribers(broadcast, 1);
        for (int i = 0; i < 10_000; i++) {
            while (!fitsAnother(broadcast)) {
                Thread.onSpinWait(); // the subscriber drains on its own thread; nothing to await but it
            }
            broadcast.publish(i);
        }
        assertThat(all.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(broadcast.subscriberCount()).isEqualTo(1);
    }

    @Test
    void demandAcrossBurstsTakesPartOfABurstAndTheBacklogCountsOnlyWhatWasNotHandedOn() throws Exception {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 1000);
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        BaseSubscriber<Integer> subscriber = new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                request(3);
            }

            @Override
            protected void hookOnNext(Integer value) {
                received.add(value);
            }
        };
        broadcast.flux().subscribe(subscriber);
        broadcast.publishAll(List.of(1, 2));
        broadcast.publishAll(List.of(3, 4, 5));
        broadcast.publish(6);
        assertThat(take(received, 3)).containsExactly(1, 2, 3);
        awaitBacklog(broadcast, 3); // 4 and 5 of the second burst, and 6
        subscriber.request(1);
        assertThat(take(received, 1)).containsExactly(4);
        awaitBacklog(broadcast, 2);
        subscriber.request(10);
        assertThat(take(received, 2)).containsExactly(5, 6);
        awaitBacklog(broadcast, 0);
        assertThat(received.poll(100, TimeUnit.MILLISECONDS)).as("nothing beyond what was published").isNull();
    }

    private static List<Integer> take(BlockingQueue<Integer> queue, int n) throws InterruptedException {
        List<Integer> taken = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            Integer next = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(next).as("event %d of %d", i + 1, n).isNotNull();
            taken.add(next);
        }
        return taken;
    }

    /** The drain takes what it handed on off the backlog when it stops; nothing to await but that. */
    private static void awaitBacklog(Broadcast<?> broadcast, int expected) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (broadcast.largestBacklog() != expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(broadcast.largestBacklog()).isEqualTo(expected);
    }

    @Test
    void aSubscriberArrivingAfterTheEndGetsTheEndAtOnce() {
        Broadcast<Integer> broadcast = new Broadcast<>(scheduler, 10);
        broadcast.error(new IllegalStateException("gone"));
        StepVerifier.create(broadcast.flux()).expectErrorMessage("gone").verify(WAIT);
        assertThat(broadcast.subscriberCount()).isZero();
    }

    private static boolean fitsAnother(Broadcast<Integer> broadcast) {
        return broadcast.largestBacklog() < 8;
    }

    /** StepVerifier.verifyLater() and subscribe() subscribe synchronously. */
    private static void awaitSubscribers(Broadcast<?> broadcast, int n) {
        assertThat(broadcast.subscriberCount()).isEqualTo(n);
    }
}

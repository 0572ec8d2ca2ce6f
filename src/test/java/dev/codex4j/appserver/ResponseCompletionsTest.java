package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codex4j.appserver.rpc.PendingRequests;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

@Timeout(30)
class ResponseCompletionsTest {

    private static final Response OK = new Response(RequestId.of(1), JsonNodeFactory.instance.objectNode(), null);

    private final AtomicInteger replacements = new AtomicInteger();
    private final Scheduler timer = Schedulers.newSingle("test-timer", true);
    /** When the last waiter's continuation began: after its completion began, however slow the test thread. */
    private final AtomicLong continuationBegan = new AtomicLong();
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-reader"));
    private final ResponseCompletions completions = new ResponseCompletions(() -> replacements.incrementAndGet() > 0, now -> false, timer);
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        reader.shutdownNow();
        timer.dispose();
    }

    /** A waiter that records where it completed, after waiting for {@code hold} (and says when it started). */
    private PendingRequests.Waiter waiter(String name, CountDownLatch started, CountDownLatch hold) {
        return new PendingRequests.Waiter() {
            @Override
            public void onResponse(Response response) {
                continuationBegan.set(System.nanoTime());
                started.countDown();
                try {
                    hold.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                seen.add(name + "@" + Thread.currentThread().getName());
            }

            @Override
            public void onFailure(Throwable error) {
                throw new AssertionError("not expected", error);
            }
        };
    }

    @Test
    void completesOnTheCallingThreadAndSurvivesAFailingContinuation() {
        CountDownLatch open = new CountDownLatch(0);
        completions.complete(waiter("1", new CountDownLatch(1), open), OK);
        completions.complete(new PendingRequests.Waiter() {
            @Override
            public void onResponse(Response response) {
                throw new IllegalStateException("a continuation failed");
            }

            @Override
            public void onFailure(Throwable error) {}
        }, OK);
        completions.complete(waiter("2", new CountDownLatch(1), open), OK);
        String self = Thread.currentThread().getName();
        assertThat(seen).containsExactly("1@" + self, "2@" + self);
        assertThat(completions.isCompletingOnThisThread()).isFalse();
        assertThat(completions.rescueIfHeld(System.nanoTime() + TimeUnit.SECONDS.toNanos(10)))
                .as("nothing running").isFalse();
        assertThat(replacements).hasValue(0);
    }

    @Test
    void aCompletionRunningLongerThanTheLimitGetsTheReaderReplacedOnce() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Boolean> onReaderSawItself = new CompletableFuture<>();
        CompletableFuture<Void> onReader = CompletableFuture.runAsync(() -> completions.complete(
                new PendingRequests.Waiter() {
                    @Override
                    public void onResponse(Response response) {
                        onReaderSawItself.complete(completions.isCompletingOnThisThread());
                        waiter("held", started, hold).onResponse(response);
                    }

                    @Override
                    public void onFailure(Throwable error) {}
                }, OK), reader);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(onReaderSawItself.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(completions.isCompletingOnThisThread()).as("not on this thread").isFalse();

        long now = continuationBegan.get();
        assertThat(completions.rescueIfHeld(now)).as("just started").isFalse();
        assertThat(replacements).hasValue(0);
        long later = now + ResponseCompletions.HELD_NANOS + 1;
        assertThat(completions.rescueIfHeld(later)).isTrue();
        assertThat(replacements).hasValue(1);
        assertThat(completions.rescueIfHeld(later + ResponseCompletions.HELD_NANOS)).as("given up on once").isFalse();
        assertThat(replacements).hasValue(1);

        hold.countDown();
        onReader.get(10, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("held@test-reader");
    }

    @Test
    void sendingThreadsLookAtMostEveryMillisecond() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Void> onReader = CompletableFuture.runAsync(
                () -> completions.complete(waiter("held", started, hold), OK), reader);
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        long now = continuationBegan.get();
        completions.beforeSend(now); // looks: not held yet
        completions.beforeSend(now + ResponseCompletions.HELD_NANOS / 2 - 1); // too soon to look again
        assertThat(replacements).hasValue(0);
        completions.beforeSend(now + ResponseCompletions.HELD_NANOS + 1); // looks: held
        assertThat(replacements).hasValue(1);
        hold.countDown();
        onReader.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aNewCompletionIsNotHeldForItsPredecessorsTime() throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch secondStarted = new CountDownLatch(1);
        CountDownLatch second = new CountDownLatch(1);
        CompletableFuture<Void> onReader = CompletableFuture.runAsync(() -> {
            completions.complete(waiter("1", firstStarted, first), OK);
            completions.complete(waiter("2", secondStarted, second), OK);
        }, reader);
        assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
        long firstSeen = System.nanoTime();
        first.countDown();
        assertThat(secondStarted.await(10, TimeUnit.SECONDS)).isTrue();
        // judged by when the second one started, which is after firstSeen
        assertThat(completions.rescueIfHeld(firstSeen + ResponseCompletions.HELD_NANOS - 1)).isFalse();
        second.countDown();
        onReader.get(10, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("1@test-reader", "2@test-reader");
        assertThat(replacements).hasValue(0);
    }

    @Test
    void theSameLooksReplaceAReaderThatIsWritingRatherThanCompleting() {
        List<Long> asked = new CopyOnWriteArrayList<>();
        ResponseCompletions writing = new ResponseCompletions(() -> false, now -> asked.add(now), timer);
        long now = System.nanoTime();
        assertThat(writing.rescueIfHeld(now)).as("the transport replaced its writing reader").isTrue();
        assertThat(asked).containsExactly(now);
        writing.beforeSend(now + ResponseCompletions.HELD_NANOS); // a sending thread's look
        assertThat(asked).containsExactly(now, now + ResponseCompletions.HELD_NANOS);
    }

    @Test
    void aContinuationThatSendsAndThenBlocksGetsTheReaderReplacedByTheScheduledLook() throws Exception {
        CountDownLatch replaced = new CountDownLatch(1);
        ResponseCompletions watched = new ResponseCompletions(() -> {
            replaced.countDown();
            return true;
        }, now -> false, timer);
        CountDownLatch hold = new CountDownLatch(1);
        CompletableFuture<Void> onReader = CompletableFuture.runAsync(() -> watched.complete(
                new PendingRequests.Waiter() {
                    @Override
                    public void onResponse(Response response) {
                        watched.beforeSend(System.nanoTime()); // sends a request, then waits for its answer
                        waiter("blocked", new CountDownLatch(1), hold).onResponse(response);
                    }

                    @Override
                    public void onFailure(Throwable error) {}
                }, OK), reader);
        // nobody else sends and no sweep runs: only the look the send scheduled can find it
        assertThat(replaced.await(10, TimeUnit.SECONDS)).isTrue();
        hold.countDown();
        onReader.get(10, TimeUnit.SECONDS);
    }

    @Test
    void continuationsThatSendScheduleOneLookAtATimeNotOneEach() throws Exception {
        AtomicInteger scheduled = new AtomicInteger();
        Scheduler counting = new Scheduler() {
            @Override
            public reactor.core.Disposable schedule(Runnable task) {
                return timer.schedule(task);
            }

            @Override
            public reactor.core.Disposable schedule(Runnable task, long delay, TimeUnit unit) {
                scheduled.incrementAndGet();
                return timer.schedule(task, delay, unit);
            }

            @Override
            public Worker createWorker() {
                return timer.createWorker();
            }
        };
        ResponseCompletions watched = new ResponseCompletions(() -> true, now -> false, counting);
        int sends = 1000;
        long began = System.nanoTime();
        CompletableFuture.runAsync(() -> {
            for (int i = 0; i < sends; i++) {
                watched.complete(new PendingRequests.Waiter() {
                    @Override
                    public void onResponse(Response response) {
                        watched.beforeSend(System.nanoTime());
                    }

                    @Override
                    public void onFailure(Throwable error) {}
                }, OK);
            }
        }, reader).get(10, TimeUnit.SECONDS);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        // one, and one more for each look that found a completion running (at most one per 2 ms)
        assertThat(scheduled.get()).isBetween(1, 1 + (int) tookMillis / 2);
        assertThat(scheduled.get()).isLessThan(sends / 10);
    }
}

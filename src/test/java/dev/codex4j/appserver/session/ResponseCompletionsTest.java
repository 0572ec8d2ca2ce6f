package dev.codex4j.appserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.transport.ReplaceableReader;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportListener;
import java.time.Duration;
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
    private final ReaderStub transport = new ReaderStub(replacements);
    private final ResponseCompletions completions = new ResponseCompletions(transport, timer);

    /** A transport that only counts replacements, and reports a write in progress when told to. */
    private static class ReaderStub implements Transport, ReplaceableReader {
        final AtomicInteger replacements;
        final List<Long> writingReplacements = new CopyOnWriteArrayList<>();
        volatile long writingSince;

        ReaderStub(AtomicInteger replacements) {
            this.replacements = replacements;
        }

        @Override
        public boolean replaceReader() {
            replacements.incrementAndGet();
            return true;
        }

        @Override
        public boolean replaceReaderIfWriting(long now, long heldNanos) {
            if (writingSince == 0 || now - writingSince < heldNanos) {
                return false;
            }
            writingReplacements.add(now);
            writingSince = 0;
            return true;
        }

        @Override
        public long readerWritingSince() {
            return writingSince;
        }

        @Override
        public void start(TransportListener listener) {}

        @Override
        public void send(byte[] message) {}

        @Override
        public List<String> diagnosticTail() {
            return List.of();
        }

        @Override
        public void close(Duration grace) {}

        @Override
        public void close() {}
    }
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
    void theSameLooksReplaceAReaderThatHasBeenWritingLongerThanTheLimit() {
        long now = System.nanoTime();
        transport.writingSince = now;
        assertThat(completions.rescueIfHeld(now + ResponseCompletions.HELD_NANOS - 1)).as("not yet").isFalse();
        completions.beforeSend(now + ResponseCompletions.HELD_NANOS); // a sending thread's look
        assertThat(transport.writingReplacements).containsExactly(now + ResponseCompletions.HELD_NANOS);
        assertThat(replacements).as("no completion was given up on").hasValue(0);
    }

    @Test
    void theScheduledLookFollowsAReaderThatStartsWritingAfterTheContinuationThatSent() throws Exception {
        // The continuation's message is left for the reader to write after the read; that write begins, and
        // blocks, just before the look comes: not held yet, nothing runs, nobody else sends.
        AtomicInteger looks = new AtomicInteger();
        CountDownLatch completed = new CountDownLatch(1);
        ResponseCompletions watched = new ResponseCompletions(transport, new TimerWrapper(timer) {
            @Override
            Runnable wrap(Runnable look) {
                return () -> {
                    if (looks.incrementAndGet() == 1) {
                        // on a loaded machine the look can come while the continuation still runs, and then
                        // rightly gives up on it instead: this test is about the writing that follows it
                        awaitQuietly(completed);
                        transport.writingSince = System.nanoTime();
                    }
                    look.run();
                };
            }
        });
        CompletableFuture.runAsync(() -> watched.complete(new PendingRequests.Waiter() {
            @Override
            public void onResponse(Response response) {
                watched.beforeSend(System.nanoTime());
            }

            @Override
            public void onFailure(Throwable error) {}
        }, OK), reader).get(10, TimeUnit.SECONDS);
        completed.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (transport.writingReplacements.isEmpty()) {
            assertThat(System.nanoTime()).as("the scheduled looks stopped").isLessThan(deadline);
            Thread.onSpinWait();
        }
        assertThat(looks).hasValueGreaterThanOrEqualTo(2);
        assertThat(replacements).hasValue(0);
    }

    /** A scheduler that passes delayed tasks through {@link #wrap} (and counts them) to {@code timer}. */
    private static class TimerWrapper implements Scheduler {
        final Scheduler timer;
        final AtomicInteger scheduled = new AtomicInteger();

        TimerWrapper(Scheduler timer) {
            this.timer = timer;
        }

        Runnable wrap(Runnable task) {
            return task;
        }

        @Override
        public reactor.core.Disposable schedule(Runnable task) {
            return timer.schedule(task);
        }

        @Override
        public reactor.core.Disposable schedule(Runnable task, long delay, TimeUnit unit) {
            scheduled.incrementAndGet();
            return timer.schedule(wrap(task), delay, unit);
        }

        @Override
        public Worker createWorker() {
            return timer.createWorker();
        }
    }

    @Test
    void aContinuationThatSendsAndThenBlocksGetsTheReaderReplacedByTheScheduledLook() throws Exception {
        CountDownLatch replaced = new CountDownLatch(1);
        ResponseCompletions watched = new ResponseCompletions(new ReaderStub(new AtomicInteger()) {
            @Override
            public boolean replaceReader() {
                replaced.countDown();
                return true;
            }
        }, timer);
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
        TimerWrapper counting = new TimerWrapper(timer);
        AtomicInteger scheduled = counting.scheduled;
        ResponseCompletions watched = new ResponseCompletions(new ReaderStub(new AtomicInteger()), counting);
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
        // one, and one more for each look that found a completion running (looks are 2.5 ms apart)
        assertThat(scheduled.get()).isBetween(1, 1 + (int) tookMillis / 2);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

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
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-reader"));
    private final ResponseCompletions completions = new ResponseCompletions(() -> replacements.incrementAndGet() > 0, timer);
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

        long now = System.nanoTime();
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
        long now = System.nanoTime();
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
}

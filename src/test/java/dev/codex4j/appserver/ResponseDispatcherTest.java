package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

@Timeout(30)
class ResponseDispatcherTest {

    private final Scheduler fallback = Schedulers.newBoundedElastic(4, 100, "test-fallback", 60, true);
    private final ResponseDispatcher dispatcher = new ResponseDispatcher("test-dispatch-responses", fallback::schedule, () -> 0);

    @AfterEach
    void tearDown() {
        dispatcher.close();
        fallback.dispose();
    }

    @Test
    void runsBatchesInOrderOnItsOwnThread() throws Exception {
        dispatcher.start();
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        dispatcher.submit(List.of(() -> seen.add("1:" + Thread.currentThread().getName()), () -> seen.add("2")));
        dispatcher.submit(List.of(() -> seen.add("3"), () -> done.complete(null)));
        done.get(10, TimeUnit.SECONDS);
        assertThat(seen).containsExactly("1:test-dispatch-responses", "2", "3");
    }

    @Test
    void aFailingCompletionDoesNotStopTheOthers() throws Exception {
        dispatcher.start();
        CompletableFuture<Void> after = new CompletableFuture<>();
        dispatcher.submit(List.of(() -> {
            throw new AssertionError("a continuation's bug");
        }, () -> after.complete(null)));
        after.get(10, TimeUnit.SECONDS);
        // the thread lives on (a batch right after may still go to the fallback while the slow one finishes)
        String ranOn = "";
        for (int attempt = 0; attempt < 1_000 && !ranOn.equals("test-dispatch-responses"); attempt++) {
            CompletableFuture<String> later = new CompletableFuture<>();
            dispatcher.submit(List.of(() -> later.complete(Thread.currentThread().getName())));
            ranOn = later.get(10, TimeUnit.SECONDS);
        }
        assertThat(ranOn).isEqualTo("test-dispatch-responses");
    }

    @Test
    void aBatchQueuedBehindABlockedContinuationIsRescuedToTheFallback() throws Exception {
        dispatcher.start();
        CountDownLatch releasedByTheSecond = new CountDownLatch(1);
        CompletableFuture<String> secondRanOn = new CompletableFuture<>();
        CompletableFuture<Void> firstStarted = new CompletableFuture<>();
        CompletableFuture<Boolean> firstFinished = new CompletableFuture<>();
        dispatcher.submit(List.of(() -> {
            firstStarted.complete(null);
            try { // user code blocking on a response that is queued behind it
                firstFinished.complete(releasedByTheSecond.await(20, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                firstFinished.completeExceptionally(e);
            }
        }));
        firstStarted.get(10, TimeUnit.SECONDS);
        dispatcher.submit(List.of(() -> {
            secondRanOn.complete(Thread.currentThread().getName());
            releasedByTheSecond.countDown();
        }));

        // what the client's periodic sweep does; until the first batch counts as stuck it leaves the queue alone
        while (!secondRanOn.isDone()) {
            dispatcher.rescueIfStuck();
            Thread.onSpinWait();
        }

        assertThat(secondRanOn.get()).startsWith("test-fallback");
        assertThat(firstFinished.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void beforeStartAndAfterCloseBatchesRunOnTheFallback() throws Exception {
        CompletableFuture<String> before = new CompletableFuture<>();
        dispatcher.submit(List.of(() -> before.complete(Thread.currentThread().getName())));
        assertThat(before.get(10, TimeUnit.SECONDS)).startsWith("test-fallback");

        dispatcher.start();
        dispatcher.close();
        CompletableFuture<String> after = new CompletableFuture<>();
        dispatcher.submit(List.of(() -> after.complete(Thread.currentThread().getName())));
        assertThat(after.get(10, TimeUnit.SECONDS)).startsWith("test-fallback");
    }
}

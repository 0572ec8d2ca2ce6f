package dev.codex4j.appserver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import reactor.core.publisher.Flux;

/**
 * The ways {@link Benchmarks} keeps many {@code bench/echo} requests in flight: pipelined from one thread,
 * chained from where each answer completes, and with Reactor's {@code flatMap}. Each runs {@code count}
 * requests to the end, throwing if one failed or was answered with the wrong sequence number.
 */
final class RequestDrivers {

    private RequestDrivers() {}

    /** {@code count} requests from this thread, with at most {@code inflight} outstanding. */
    static void pipeline(int count, int inflight, IntFunction<CompletableFuture<JsonNode>> send) throws Exception {
        Semaphore permits = new Semaphore(inflight);
        CountDownLatch done = new CountDownLatch(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < count; i++) {
            permits.acquire();
            int expected = i;
            send.apply(i).whenComplete((result, error) -> {
                check(expected, result, error, failure);
                permits.release();
                done.countDown();
            });
        }
        awaitRequests(done, failure);
    }

    /**
     * {@code inflight} chains of requests, each answer sending the next request from where it completes (the
     * reader thread): how a hand-written client keeps many in flight without a thread of its own.
     */
    static void chain(int count, int inflight, IntFunction<CompletableFuture<JsonNode>> send) throws Exception {
        CountDownLatch done = new CountDownLatch(count);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        Runnable sendNext = new Runnable() {
            @Override
            public void run() {
                int i = next.getAndIncrement();
                if (i < count) {
                    send.apply(i).whenComplete((result, error) -> {
                        check(i, result, error, failure);
                        done.countDown();
                        run();
                    });
                }
            }
        };
        for (int k = 0; k < inflight; k++) {
            sendNext.run();
        }
        awaitRequests(done, failure);
    }

    /** The same with Reactor, as a user of the client writes it: {@code flatMap} with a concurrency of {@code inflight}. */
    static void flatMapped(AppServerClient client, int count, int inflight) {
        Flux.range(0, count)
                .flatMap(i -> client.request("bench/echo", Map.of("seq", i)).doOnNext(result -> {
                    if (result.path("seq").asLong() != i) {
                        throw new IllegalStateException("echo " + i + " answered " + result);
                    }
                }), inflight)
                .then()
                .block(Benchmarks.FLOOD_TIMEOUT);
    }

    private static void check(int expected, JsonNode result, Throwable error, AtomicReference<Throwable> failure) {
        if (error != null) {
            failure.compareAndSet(null, error);
        } else if (result.path("seq").asLong() != expected) {
            failure.compareAndSet(null, new IllegalStateException("echo " + expected + " answered " + result));
        }
    }

    private static void awaitRequests(CountDownLatch done, AtomicReference<Throwable> failure) throws Exception {
        if (!done.await(Benchmarks.FLOOD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("pipelined requests did not complete");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("pipelined request failed", failure.get());
        }
    }
}

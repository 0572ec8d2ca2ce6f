package dev.codex4j.appserver.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One subscriber of a {@link Benchmarks} flood: counts what it receives (touching each notification as a user
 * would) and signals the latch at exactly {@code target}, or on the first error.
 */
final class FloodCounter {

    private final long target;
    private final CountDownLatch done;
    private final AtomicReference<Throwable> failure;
    private long count;
    private long chars;

    FloodCounter(long target, CountDownLatch done, AtomicReference<Throwable> failure) {
        this.target = target;
        this.done = done;
        this.failure = failure;
    }

    void typed(AgentMessageDeltaNotification delta) {
        chars += delta.delta().length();
        tick();
    }

    void raw(String method) {
        chars += method.length();
        tick();
    }

    void raw(String method, JsonNode params) {
        chars += method.length() + params.size();
        tick();
    }

    private void tick() {
        if (++count == target) {
            done.countDown();
        }
    }

    void error(Throwable error) {
        failure.compareAndSet(null, error);
        done.countDown();
    }
}

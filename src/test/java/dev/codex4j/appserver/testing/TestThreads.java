package dev.codex4j.appserver.testing;

import java.util.concurrent.CompletableFuture;

/** Runs test code on a thread of its own (not the common pool, which blocking test code could starve). */
public final class TestThreads {

    /** Test code that may throw. */
    public interface Body {
        void run() throws Exception;
    }

    private TestThreads() {}

    /** Starts {@code body} on a new daemon thread named {@code name}; the future completes when it returns. */
    public static CompletableFuture<Void> start(String name, Body body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return done;
    }
}

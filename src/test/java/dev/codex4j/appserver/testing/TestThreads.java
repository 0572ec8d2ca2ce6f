package dev.codex4j.appserver.testing;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

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

    /** The library's threads alive now ({@code codex4j-*}). */
    public static Set<Thread> libraryThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("codex4j-"))
                .collect(Collectors.toSet());
    }

    /**
     * Joins every library thread started since {@code earlier} (a few seconds each at most) and fails naming
     * those still alive: after {@code close()} each must end promptly.
     */
    public static void awaitLibraryThreadsGone(Set<Thread> earlier) throws InterruptedException {
        List<Thread> ours = libraryThreads().stream().filter(t -> !earlier.contains(t)).toList();
        for (Thread t : ours) {
            t.join(5_000);
        }
        List<String> alive = ours.stream().filter(Thread::isAlive).map(Thread::getName).toList();
        if (!alive.isEmpty()) {
            throw new AssertionError("library threads still alive after close: " + alive);
        }
    }
}

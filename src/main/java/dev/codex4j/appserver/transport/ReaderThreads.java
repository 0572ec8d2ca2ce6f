package dev.codex4j.appserver.transport;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A transport's reader threads, one reading at a time (see {@link ReplaceableReader}): daemon threads, the first
 * named {@code base}, each replacement {@code base-2}, {@code base-3} and so on.
 */
final class ReaderThreads {

    private final String base;
    private final AtomicInteger started = new AtomicInteger();
    private volatile Thread current;

    ReaderThreads(String base) {
        this.base = base;
    }

    /**
     * Starts a reader running {@code body} and makes it the current one, before it runs: whoever wakes or joins
     * the reader must find this one.
     *
     * @throws Error or RuntimeException as {@link Thread#start} does (no thread to be had); the current reader
     *     stays the current one
     */
    Thread start(Runnable body) {
        int n = started.incrementAndGet();
        Thread next = ChildProcess.daemon(n == 1 ? base : base + "-" + n, body);
        Thread before = current;
        current = next;
        try {
            next.start();
        } catch (Throwable e) {
            current = before;
            throw e;
        }
        return next;
    }

    /** The reader started last, or {@code null} before the first. */
    Thread current() {
        return current;
    }
}

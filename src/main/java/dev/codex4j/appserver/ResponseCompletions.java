package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.PendingRequests;
import dev.codex4j.appserver.rpc.Response;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes one connection's responses on its reader thread, each as soon as its line is read: no hand-off
 * to another thread, and a caller keeping many requests in flight gets each answer without waiting for the
 * rest of the read. The continuations of request {@code Mono}s run right there, as they do on the event loop
 * of a reactive HTTP client.
 *
 * <p>Continuations are user code, and one that blocks (say, {@code block()} on another request, whose
 * response only a reader can read) must not stop reading. {@link #rescueIfHeld(long)} asks the transport for
 * a new reader (see {@code Transport.replaceReader()}), which goes on from the next line, once a completion
 * has run longer than {@link #HELD_NANOS}; the held thread finishes it and then leaves. Nothing polls for
 * that while responses flow (a timer waking every few milliseconds cost a fifth of the pipelined
 * throughput): the client looks when a request is sent, shortly after a continuation sends one from the
 * reader thread, and on its periodic timeout sweep.
 */
final class ResponseCompletions {

    /** A completion running longer than this holds the reader. */
    static final long HELD_NANOS = 2_000_000;

    private static final Logger log = LoggerFactory.getLogger(ResponseCompletions.class);
    private static final AtomicLongFieldUpdater<ResponseCompletions> RUNNING =
            AtomicLongFieldUpdater.newUpdater(ResponseCompletions.class, "running");

    private final BooleanSupplier replaceReader;
    /** Completions started so far; only the reader of the moment writes it. */
    private long started;
    /** {@code n} while completion number {@code n} runs, {@code -n} once it has ended (or was given up on). */
    private volatile long running;
    // about the running completion; written before running, so whoever reads running > 0 sees them
    private long runningSince;
    private Thread runningOn;
    private volatile boolean warnedNoReplace;

    /** @param replaceReader starts a new reader while the current one is held; {@code false} if it cannot */
    ResponseCompletions(BooleanSupplier replaceReader) {
        this.replaceReader = replaceReader;
    }

    /** Completes {@code waiter} with {@code response} on the calling (reader) thread. */
    void complete(PendingRequests.Waiter waiter, Response response) {
        long mine = ++started;
        runningOn = Thread.currentThread();
        runningSince = System.nanoTime();
        RUNNING.lazySet(this, mine); // a release: publishes the two above
        try {
            waiter.onResponse(response);
        } catch (Throwable e) { // one failing continuation must not keep the others from their responses
            log.error("a request's continuation failed", e);
        }
        RUNNING.compareAndSet(this, mine, -mine); // fails only if it was given up on meanwhile
    }

    /** Whether the calling thread is running a continuation here, that is, holding the reader. */
    boolean isCompletingOnThisThread() {
        return running > 0 && runningOn == Thread.currentThread();
    }

    /**
     * Gets a new reader if the completion running now started more than {@link #HELD_NANOS} before
     * {@code now}. Callable from any thread.
     *
     * @param now a {@link System#nanoTime()} value
     * @return whether it gave up on a completion
     */
    boolean rescueIfHeld(long now) {
        long current = running;
        if (current <= 0 || now - runningSince < HELD_NANOS) {
            return false; // (a newer completion may have begun since running was read: then it is not held)
        }
        if (!RUNNING.compareAndSet(this, current, -current)) {
            return false; // it ended just now
        }
        if (replaceReader.getAsBoolean()) {
            log.debug("a response's continuation has held the reader for milliseconds; a new reader reads on");
        } else if (!warnedNoReplace) {
            warnedNoReplace = true;
            log.warn("a response's continuation blocks the reader thread and this transport cannot replace its "
                    + "reader: nothing more is read until it returns; keep continuations non-blocking or "
                    + "publishOn a scheduler of your own");
        }
        return true;
    }
}

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
 * response only a reader can read) must not stop reading. {@link #rescueIfHeld()}, which the client's
 * watchdog calls every few milliseconds while responses flow, notices a completion still running since its
 * previous call and asks the transport for a new reader (see {@code Transport.replaceReader()}), which goes
 * on from the next line. The held thread finishes that completion and then leaves.
 */
final class ResponseCompletions {

    private static final Logger log = LoggerFactory.getLogger(ResponseCompletions.class);
    private static final AtomicLongFieldUpdater<ResponseCompletions> RUNNING =
            AtomicLongFieldUpdater.newUpdater(ResponseCompletions.class, "running");

    private final BooleanSupplier replaceReader;
    /** Completions started so far; only the reader of the moment writes it. */
    private long started;
    /** {@code n} while completion number {@code n} runs, {@code -n} once it has ended (or was given up on). */
    private volatile long running;
    // the watchdog's memory between two calls (one watchdog thread at a time)
    private long lastSeen;
    private boolean warnedNoReplace;

    /** @param replaceReader starts a new reader while the current one is held; {@code false} if it cannot */
    ResponseCompletions(BooleanSupplier replaceReader) {
        this.replaceReader = replaceReader;
    }

    /** Completes {@code waiter} with {@code response} on the calling (reader) thread. */
    void complete(PendingRequests.Waiter waiter, Response response) {
        long mine = ++started;
        RUNNING.lazySet(this, mine); // the watchdog only needs to see it within milliseconds
        try {
            waiter.onResponse(response);
        } catch (Throwable e) { // one failing continuation must not keep the others from their responses
            log.error("a request's continuation failed", e);
        }
        RUNNING.compareAndSet(this, mine, -mine); // fails only if the watchdog gave up on it meanwhile
    }

    /**
     * Gets a new reader if the same completion has been running since the previous call. Called periodically
     * from one thread.
     *
     * @return whether responses are flowing (one completed or ran since the previous call), so the caller
     *     knows to call again soon
     */
    boolean rescueIfHeld() {
        long now = running;
        boolean active = now != lastSeen || now > 0;
        if (now <= 0 || now != lastSeen) {
            lastSeen = now;
            return active;
        }
        if (!RUNNING.compareAndSet(this, now, -now)) {
            lastSeen = running;
            return true; // it ended just now
        }
        lastSeen = -now;
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

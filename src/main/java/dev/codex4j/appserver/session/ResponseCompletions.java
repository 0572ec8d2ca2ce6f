package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.transport.ReplaceableReader;
import dev.codex4j.appserver.transport.Transport;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.scheduler.Scheduler;

/**
 * Completes one connection's responses on its reader thread, each as soon as its line is read: no hand-off
 * to another thread, and a caller keeping many requests in flight gets each answer without waiting for the
 * rest of the read. The continuations of request {@code Mono}s run right there, as they do on the event loop
 * of a reactive HTTP client.
 *
 * <p>Continuations are user code, and one that blocks (say, {@code block()} on another request, whose
 * response only a reader can read) must not stop reading. {@link #rescueIfHeld(long)} asks the transport for
 * a new reader (see {@link ReplaceableReader#replaceReader()}), which goes on from the next line, once a completion
 * has run longer than {@link #HELD_NANOS}; the held thread finishes it and then leaves. Nothing polls for
 * that while responses flow (a timer waking every few milliseconds cost a fifth of the pipelined
 * throughput): the client looks when requests are sent ({@link #beforeSend}) and on its periodic timeout
 * sweep. A continuation that sends something may well wait for the answer right where it is, so then a look
 * is scheduled for when it could count as held: one timer task at a time, however many continuations send.
 *
 * <p>The reader writes its bookkeeping for every response, so that lives in a padded object of its own
 * ({@link Running}): the threads sending requests read only fields that rarely change, and do not pull the
 * reader's cache line over to their core for every request.
 */
final class ResponseCompletions {

    /** A completion running longer than this holds the reader. */
    static final long HELD_NANOS = 2_000_000;

    private static final Logger log = LoggerFactory.getLogger(ResponseCompletions.class);

    /** Where held readers are replaced; a transport that cannot replace its reader never does. */
    private final ReplaceableReader readers;
    private final Scheduler timer;
    private final Running running = new Running();
    /** Whether a look is scheduled for a continuation that sent something (see {@link #beforeSend}). */
    private final AtomicBoolean watching = new AtomicBoolean();
    /** The thread completing responses; written only when it changes (a new reader). */
    private volatile Thread reader;
    /** When a sending thread last looked for a held reader; written at most every {@link #LOOK_EVERY_NANOS}. */
    private volatile long lastLook;
    private volatile boolean warnedNoReplace;

    private static final ReplaceableReader CANNOT_REPLACE = new ReplaceableReader() {
        @Override
        public boolean replaceReader() {
            return false;
        }

        @Override
        public boolean replaceReaderIfWriting(long now, long heldNanos) {
            return false;
        }

        @Override
        public long readerWritingSince() {
            return 0;
        }
    };

    /** How often sending threads look at the reader's bookkeeping. */
    private static final long LOOK_EVERY_NANOS = HELD_NANOS / 2;
    /** How long after a completion could count as held a scheduled look comes. */
    static final long LOOK_SLACK_NANOS = 500_000;

    /**
     * @param transport whose reader is replaced when held, if it is a {@link ReplaceableReader}
     * @param timer runs the looks scheduled for continuations that send
     */
    ResponseCompletions(Transport transport, Scheduler timer) {
        this.readers = transport instanceof ReplaceableReader r ? r : CANNOT_REPLACE;
        this.timer = timer;
    }

    /** Completes {@code waiter} with {@code response} on the calling (reader) thread. */
    void complete(PendingRequests.Waiter waiter, Response response) {
        Thread self = Thread.currentThread();
        if (reader != self) {
            reader = self;
        }
        long mine = running.begin();
        try {
            waiter.onResponse(response);
        } catch (Throwable e) { // one failing continuation must not keep the others from their responses
            log.error("a request's continuation failed", e);
        }
        running.end(mine);
    }

    /** Whether the calling thread is running a continuation here, that is, holding the reader. */
    boolean isCompletingOnThisThread() {
        return reader == Thread.currentThread() && running.current() > 0;
    }

    /**
     * For a thread about to send something: the moment to look for a held reader, since an answer needs one.
     * A continuation on the reader itself gets a look scheduled for when it could count as held, unless one
     * is scheduled already; any other thread looks now, at most every millisecond across all sending threads
     * (looking at the reader's bookkeeping for every request would cost a cache miss each).
     *
     * @param now a {@link System#nanoTime()} value
     */
    void beforeSend(long now) {
        if (!isCompletingOnThisThread()) {
            lookWhenSending(now);
        } else if (!watching.get() && watching.compareAndSet(false, true)) {
            lookLater(HELD_NANOS + LOOK_SLACK_NANOS);
        }
    }

    private void lookLater(long nanos) {
        try {
            timer.schedule(this::scheduledLook, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // the client is closed
        }
    }

    /**
     * Rescues a held reader; else, while a completion runs (the one that sent, or a later one that sent while
     * this look was scheduled) or the reader writes (what was sent, once the read was handled), looks again
     * when that could count as held.
     */
    private void scheduledLook() {
        watching.set(false);
        long now = System.nanoTime();
        if (rescueIfHeld(now)) {
            return;
        }
        long since = running.current() > 0 ? running.since() : readers.readerWritingSince();
        if (since != 0 && watching.compareAndSet(false, true)) {
            lookLater(Math.max(0, HELD_NANOS - (now - since)) + LOOK_SLACK_NANOS);
        }
    }

    private void lookWhenSending(long now) {
        long last = lastLook;
        if (now - last < LOOK_EVERY_NANOS) {
            return;
        }
        lastLook = now;
        rescueIfHeld(now);
    }

    /**
     * Gets a new reader if the completion running now started more than {@link #HELD_NANOS} before
     * {@code now}, or if the reader has been writing that long. Callable from any thread.
     *
     * @param now a {@link System#nanoTime()} value
     * @return whether it gave up on a completion or on a writing reader
     */
    boolean rescueIfHeld(long now) {
        long current = running.current();
        if (current <= 0 || now - running.since() < HELD_NANOS) {
            // (a newer completion may have begun since current was read: then it is not held)
            return readers.replaceReaderIfWriting(now, HELD_NANOS);
        }
        if (!running.giveUp(current)) {
            return false; // it ended just now
        }
        if (readers.replaceReader()) {
            log.debug("a response's continuation has held the reader for milliseconds; a new reader reads on");
        } else if (!warnedNoReplace) {
            warnedNoReplace = true;
            log.warn("a response's continuation blocks the reader thread and this transport cannot replace its "
                    + "reader: nothing more is read until it returns; keep continuations non-blocking or "
                    + "publishOn a scheduler of your own");
        }
        return true;
    }

    /** Cache-line padding before {@link Running}'s fields (the superclass's fields are laid out first). */
    abstract static class PadBefore {
        long p01, p02, p03, p04, p05, p06, p07, p08;
    }

    /** The reader's per-response bookkeeping. */
    abstract static class RunningFields extends PadBefore {
        static final AtomicLongFieldUpdater<RunningFields> STATE =
                AtomicLongFieldUpdater.newUpdater(RunningFields.class, "state");
        /** Completions started so far; only the reader of the moment writes it. */
        long started;
        /** {@code n} while completion number {@code n} runs, {@code -n} once it has ended (or was given up on). */
        volatile long state;
        /** When the running completion began; written before {@code state}, so whoever reads it > 0 sees it. */
        long since;
    }

    /** {@link RunningFields} with padding after them too, so nothing else shares their cache line. */
    static final class Running extends RunningFields {
        long p11, p12, p13, p14, p15, p16, p17, p18;

        long begin() {
            long mine = ++started;
            since = System.nanoTime();
            STATE.lazySet(this, mine); // a release: publishes since
            return mine;
        }

        void end(long mine) {
            STATE.compareAndSet(this, mine, -mine); // fails only if it was given up on meanwhile
        }

        long current() {
            return state;
        }

        long since() {
            return since;
        }

        boolean giveUp(long current) {
            return STATE.compareAndSet(this, current, -current);
        }
    }
}

package dev.codex4j.appserver;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes requests off the reader thread (their continuations are user code) on one dedicated thread. When
 * it has just answered the last request in flight (or all but one) it stays awake briefly before it parks: a caller that sends
 * its next request right after a response finds it still awake, so a sequential round trip costs no extra
 * wake-up beyond a hand-written client's. With other requests in flight it parks at once, leaving the cores
 * to the reader and the callers; their responses wake it.
 *
 * <p>A continuation that blocks (say, {@code block()} on another request) must not hold up the responses
 * queued behind it: once the running batch has taken longer than {@link #STUCK_NANOS}, new batches and the
 * queued ones run {@code elsewhere} instead, both when the reader hands on the next batch and
 * on {@link #rescueIfStuck()}, which the client's periodic timeout sweep calls.
 */
final class ResponseDispatcher {

    private static final Logger log = LoggerFactory.getLogger(ResponseDispatcher.class);
    /** How long the thread stays awake without work; about one round trip to a local app-server. */
    static final long SPIN_NANOS = 50_000;
    /** A batch running longer than this is treated as blocked. */
    static final long STUCK_NANOS = 2_000_000;

    private final ConcurrentLinkedQueue<List<Runnable>> queue = new ConcurrentLinkedQueue<>();
    private final Consumer<Runnable> elsewhere;
    private final IntSupplier inFlight;
    private final Thread thread;
    private volatile boolean parked;
    private volatile boolean closed;
    private volatile boolean started;
    /** {@link System#nanoTime()} when the running batch started; 0 while none runs. */
    private volatile long runningSince;

    /**
     * @param elsewhere runs a batch on another thread (the client's elastic dispatch pool), or here when that
     *     is shutting down
     * @param inFlight how many requests await a response
     */
    ResponseDispatcher(String name, Consumer<Runnable> elsewhere, IntSupplier inFlight) {
        this.elsewhere = elsewhere;
        this.inFlight = inFlight;
        this.thread = new Thread(this::loop, name);
        this.thread.setDaemon(true);
    }

    /** Starts the thread; until then, and after {@link #close()}, batches run {@code elsewhere}. */
    void start() {
        thread.start();
        started = true;
    }

    /** Runs {@code completions} in order, on the dispatcher thread unless it is blocked or closed. */
    void submit(List<Runnable> completions) {
        if (closed || !started || isStuck()) {
            rescueIfStuck();
            runElsewhere(completions);
            return;
        }
        queue.offer(completions);
        if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Moves queued batches {@code elsewhere} if the running one has been blocked too long. */
    void rescueIfStuck() {
        if (!isStuck() && !closed) {
            return;
        }
        List<Runnable> batch;
        while ((batch = queue.poll()) != null) {
            runElsewhere(batch);
        }
    }

    /** Stops the thread; batches submitted later, or still queued, run {@code elsewhere}. */
    void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    private boolean isStuck() {
        long since = runningSince;
        return since != 0 && System.nanoTime() - since > STUCK_NANOS;
    }

    private void runElsewhere(List<Runnable> batch) {
        elsewhere.accept(() -> run(batch));
    }

    private void loop() {
        while (!closed) {
            List<Runnable> batch = queue.poll();
            if (batch != null) {
                runningSince = System.nanoTime() | 1; // never 0 while running
                run(batch);
                runningSince = 0;
                continue;
            }
            // a sequential caller may already have sent its next request: at most one in flight still counts
            long awakeUntil = inFlight.getAsInt() <= 1 ? System.nanoTime() + SPIN_NANOS : System.nanoTime();
            while (queue.isEmpty() && !closed && System.nanoTime() - awakeUntil < 0) {
                Thread.yield(); // awake, but leaves the core to the reader or the caller when they need it
            }
            if (queue.isEmpty() && !closed) {
                parked = true;
                if (queue.isEmpty() && !closed) { // re-checked after announcing it: submit() sees one or the other
                    LockSupport.park(this);
                }
                parked = false;
            }
        }
        rescueIfStuck(); // closed: hand on what is left
    }

    private static void run(List<Runnable> batch) {
        for (Runnable completion : batch) {
            try {
                completion.run();
            } catch (Throwable e) { // one failing continuation must not keep the others from their responses
                log.error("a request's continuation failed", e);
            }
        }
    }
}

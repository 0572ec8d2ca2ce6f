package dev.codex4j.appserver.transport;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ends a wait on a socket that no socket timeout bounds: at the deadline it runs its action (closing the socket,
 * which fails whatever blocks on it), unless {@link #disarm()} came first. A read can time out by itself; a TLS
 * handshake a peer trickles (every read returns in time, the whole never ends), a write to a peer that reads
 * nothing, and a close handshake the peer never answers cannot.
 *
 * <p>One daemon thread for every deadline, {@code codex4j-ws-deadline}, started when one is armed and gone a
 * second after the last is disarmed or has fired.
 */
final class SocketDeadline {

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private final AtomicBoolean settled = new AtomicBoolean();
    private final ScheduledFuture<?> task;
    private volatile boolean fired;

    private SocketDeadline(Duration in, Runnable action) {
        task = TIMER.schedule(() -> {
            if (settled.compareAndSet(false, true)) {
                fired = true; // before the action: whoever it wakes must find it set
                action.run();
            }
        }, Math.max(0, in.toNanos()), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code action} (which must not block: close a plain socket, not an {@code SSLSocket}) in {@code in}. */
    static SocketDeadline in(Duration in, Runnable action) {
        return new SocketDeadline(in, action);
    }

    /** Disarms it; {@code false} when it has fired (or is firing) already. */
    boolean disarm() {
        if (!settled.compareAndSet(false, true)) {
            return false;
        }
        task.cancel(false);
        return true;
    }

    /** Whether it fired (rather than being disarmed first). */
    boolean fired() {
        return fired;
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                r -> ChildProcess.daemon("codex4j-ws-deadline", r));
        timer.setKeepAliveTime(1, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true); // no thread while no deadline is armed
        timer.setRemoveOnCancelPolicy(true); // a disarmed deadline does not keep the thread
        return timer;
    }
}

package dev.codex4j.appserver.thread;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The thread API's state for one client, attached to it ({@code AppServerClient.attachment}): the running
 * turn of each thread, shared by every {@link CodexThreads} of the client so that one turn per thread holds
 * however the thread was reached; and the timer for turn deadlines, closed with the client.
 */
final class RunningTurns implements AutoCloseable {

    final Map<String, TurnHandle> byThread = new ConcurrentHashMap<>();
    private Scheduler timer;
    private boolean closed;

    /** A daemon timer thread, started when a turn first needs one. */
    synchronized Scheduler timer() {
        if (timer == null) {
            timer = Schedulers.newSingle("codex4j-turn-timer", true);
            if (closed) {
                timer.dispose();
            }
        }
        return timer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.dispose();
        }
    }
}

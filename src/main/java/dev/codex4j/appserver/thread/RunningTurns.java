package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.approval.DynamicTool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The thread API's state for one client, attached to it ({@code AppServerClient.attachment}): the running
 * turn of each thread, shared by every {@link CodexThreads} of the client so that one turn per thread holds
 * however the thread was reached; the dynamic tools of the threads that have them (one entry per such thread,
 * for the client's life: a thread with tools is one the caller chose to start); and the timer for turn
 * deadlines, closed with the client.
 */
final class RunningTurns implements AutoCloseable {

    final Map<String, TurnHandle> byThread = new ConcurrentHashMap<>();
    final Map<String, List<DynamicTool>> toolsByThread = new ConcurrentHashMap<>();
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

package dev.codex4j.appserver.rpc;

import java.util.List;

/**
 * What happened to the connection of a client with a {@link RestartPolicy}: published in
 * {@link AppServerClient#notifications()} as a notification with a reserved method ({@link #LOST},
 * {@link #RESTARTED}), in order with the server's own notifications, and typed in
 * {@link AppServerClient#connectionEvents()}. A client without restarts publishes none: its notification
 * stream errors instead.
 *
 * <p>The order a subscriber sees: the old server's last notifications, {@code ConnectionLost}, then the new
 * server's first notifications and {@code Restarted} once the threads are resumed. A turn that was running
 * when the connection was lost never completes on the server: the thread API's {@code TurnHandle} fails with
 * a {@link ConnectionClosedException} on {@code ConnectionLost}; raw subscribers should treat it as the end.
 */
public sealed interface ConnectionEvent permits ConnectionEvent.ConnectionLost, ConnectionEvent.Restarted {

    /** Reserved notification method of {@link ConnectionLost}; codex never uses the {@code codex4j/} prefix. */
    String LOST = "codex4j/connection/lost";
    /** Reserved notification method of {@link Restarted}. */
    String RESTARTED = "codex4j/connection/restarted";

    /**
     * The app-server ended unexpectedly and the client will start a new one. Every request in flight has
     * failed with a {@link ConnectionClosedException}; running approval handlers were cancelled.
     *
     * @param reason what happened, as in {@link ConnectionClosedException#getMessage()}
     * @param exitCode the process's exit code, or {@code null} if it had not exited
     * @param stderrTail its last stderr lines, secrets redacted
     */
    record ConnectionLost(String reason, Integer exitCode, List<String> stderrTail) implements ConnectionEvent {
        public ConnectionLost {
            stderrTail = List.copyOf(stderrTail);
        }
    }

    /**
     * A new app-server is up and initialized, and the threads the client knew were resumed.
     *
     * @param restart which restart this is over the client's life (1 for the first)
     * @param previousExitCode the exit code of the process that ended, or {@code null}
     * @param resumedThreadIds threads resumed with {@code thread/resume}
     * @param notResumedThreadIds threads the new server could not resume (for example, never persisted);
     *     the client no longer tracks them
     */
    record Restarted(int restart, Integer previousExitCode, List<String> resumedThreadIds,
            List<String> notResumedThreadIds) implements ConnectionEvent {
        public Restarted {
            resumedThreadIds = List.copyOf(resumedThreadIds);
            notResumedThreadIds = List.copyOf(notResumedThreadIds);
        }
    }
}

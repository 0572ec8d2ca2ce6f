package dev.codex4j.appserver.rpc;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether, and how often, a client starts a new app-server after the one it had ended without being asked
 * to (crashed, was killed, closed its stdout). Off by default ({@link #none()}).
 *
 * <p>With restarts on, a crash still fails every request in flight (they are never sent again: the dead
 * server may have acted on them), cancels running approval handlers, and publishes
 * {@link ConnectionEvent.ConnectionLost}. After a backoff the client spawns a new process, runs the
 * handshake, sends {@code thread/resume} for every thread it knew and publishes
 * {@link ConnectionEvent.Restarted}; {@link AppServerClient#notifications()} carries on across the restart.
 * Requests sent while it restarts fail at once with {@link ConnectionClosedException}. When the budget is
 * spent, the client ends as it would without restarts.
 *
 * <p>A server that outlived the lost connection (a remote app-server after a network drop, or one given up for
 * not answering) still runs the turns that were failed: after the reconnect, each resumed thread the server
 * reports active has those turns interrupted ({@code turn/interrupt}) before the client opens to callers, and
 * the approval requests the server sends again for them are not answered (the interrupt resolves them). Turns
 * keep running on such a server between the loss and the reconnect.
 *
 * <p>A first start that fails to connect ({@link AppServerStartException}: the process cannot be spawned, the
 * endpoint refuses), or whose connection ends during the handshake (a server not up yet), is tried again the same
 * way: {@link AppServerClient#start()} fails at once with that first failure, then the client publishes
 * {@link ConnectionEvent.ConnectionLost} and, once an attempt succeeds, {@link ConnectionEvent.Restarted} (it is
 * ready from then on), or ends when the budget is spent; {@code close()} stops it. A server that answers the
 * handshake with an error or an unsupported version is not tried again.
 *
 * <p>The wait before a restart attempt doubles from {@code initialBackoff} up to {@code maxBackoff} with
 * each consecutive failed attempt; a successful restart resets it.
 */
public final class RestartPolicy {

    private static final RestartPolicy NONE = new RestartPolicy(0, Duration.ZERO, Duration.ZERO);

    private final int maxRestarts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;

    private RestartPolicy(int maxRestarts, Duration initialBackoff, Duration maxBackoff) {
        this.maxRestarts = maxRestarts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
    }

    /** Never restart: a crash ends the client (the default). */
    public static RestartPolicy none() {
        return NONE;
    }

    /**
     * Restarts the app-server after a crash.
     *
     * @param maxRestarts how many processes the client may start after the first one, over its whole life,
     *     failed attempts included (at least 1)
     * @param initialBackoff the wait before the first attempt after a crash (not negative)
     * @param maxBackoff the longest wait between attempts (at least {@code initialBackoff})
     */
    public static RestartPolicy of(int maxRestarts, Duration initialBackoff, Duration maxBackoff) {
        if (maxRestarts < 1) {
            throw new IllegalArgumentException("maxRestarts must be at least 1: " + maxRestarts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("need 0 <= initialBackoff <= maxBackoff: " + initialBackoff + ", "
                    + maxBackoff);
        }
        return new RestartPolicy(maxRestarts, initialBackoff, maxBackoff);
    }

    public boolean enabled() {
        return maxRestarts > 0;
    }

    /** How many processes may be started after the first one, over the client's life. */
    public int maxRestarts() {
        return maxRestarts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** The wait before an attempt that follows {@code failedAttempts} consecutive failed ones. */
    public Duration backoff(int failedAttempts) {
        Duration wait = initialBackoff;
        for (int i = 0; i < failedAttempts && wait.compareTo(maxBackoff) < 0; i++) {
            wait = wait.isZero() ? Duration.ofMillis(100) : wait.multipliedBy(2);
        }
        return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
    }

    @Override
    public String toString() {
        return enabled() ? "RestartPolicy.of(" + maxRestarts + ", " + initialBackoff + ", " + maxBackoff + ")"
                : "RestartPolicy.none()";
    }
}

package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.AppServerException;
import java.time.Duration;

/**
 * A turn overran its deadline ({@link TurnOptions.Builder#timeout}) or went quiet for longer than its
 * inactivity timeout ({@link TurnOptions.Builder#inactivityTimeout}). The turn was interrupted.
 */
public class TurnTimeoutException extends AppServerException {

    /** Which limit the turn overran. */
    public enum Kind { DEADLINE, INACTIVITY }

    private final String threadId;
    private final String turnId;
    private final Kind kind;
    private final Duration limit;

    public TurnTimeoutException(String threadId, String turnId, Kind kind, Duration limit) {
        super((kind == Kind.DEADLINE ? "turn did not finish within its deadline of " : "turn sent no event for ")
                + limit + " (thread " + threadId + ", turn " + turnId + "); it was interrupted");
        this.threadId = threadId;
        this.turnId = turnId;
        this.kind = kind;
        this.limit = limit;
    }

    public String threadId() {
        return threadId;
    }

    /** The turn, or {@code null} if the timeout struck before the server assigned one. */
    public String turnId() {
        return turnId;
    }

    public Kind kind() {
        return kind;
    }

    public Duration limit() {
        return limit;
    }
}

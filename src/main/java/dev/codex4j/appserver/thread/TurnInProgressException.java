package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.AppServerException;


/**
 * A turn was started on a thread whose previous turn is still running. One turn runs per thread at a time;
 * to add input to the running turn use {@link TurnHandle#steer(TurnInput)}, to stop it
 * {@link TurnHandle#interrupt()}. Turns on different threads run concurrently.
 */
public class TurnInProgressException extends AppServerException {

    private final String threadId;

    public TurnInProgressException(String threadId) {
        super("thread " + threadId + " already has a running turn; steer or interrupt it, or wait for its result");
        this.threadId = threadId;
    }

    public String threadId() {
        return threadId;
    }
}

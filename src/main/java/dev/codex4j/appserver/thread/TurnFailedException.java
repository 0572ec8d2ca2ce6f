package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.AppServerException;


/**
 * A turn ended failed or interrupted where a completed one was required ({@link TurnResult#requireCompleted()},
 * structured output). {@link #result()} has the status, the error and what the turn produced.
 */
public class TurnFailedException extends AppServerException {

    private final TurnResult result;

    public TurnFailedException(TurnResult result) {
        super("turn " + result.turnId() + " of thread " + result.threadId() + " ended " + result.status()
                + (result.error() == null ? "" : ": " + result.error().message()
                        + (result.error().codexErrorInfo() == null ? "" : " (" + result.error().codexErrorInfo() + ")")));
        this.result = result;
    }

    public TurnResult result() {
        return result;
    }
}

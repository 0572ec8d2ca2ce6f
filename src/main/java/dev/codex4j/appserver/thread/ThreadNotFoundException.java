package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.AppServerException;

/**
 * The thread does not exist, or is not in a state the server can act on: never created, not persisted
 * ("no rollout found"), not loaded in this server process, archived (or, for unarchiving, not archived), or
 * not a valid thread id.
 */
public class ThreadNotFoundException extends AppServerException {

    private final String threadId;

    public ThreadNotFoundException(String threadId, JsonRpcErrorException cause) {
        super("thread " + threadId + " not found: " + cause.errorMessage(), cause);
        this.threadId = threadId;
    }

    /** The id that was asked for. */
    public String threadId() {
        return threadId;
    }

    /**
     * The codex 0.169.0 error answers that mean "no such thread" (all JSON-RPC -32600): {@code thread not
     * found: ID} (turn/start, thread/revert, thread/compact/start), {@code no rollout found for thread id ID}
     * (thread/resume, thread/fork, thread/archive, thread/name/set), {@code no archived rollout found for thread id
     * ID} (thread/unarchive of a thread that is not archived), {@code thread not loaded: ID} (thread/read),
     * {@code invalid thread id: ...}.
     */
    static boolean isThreadNotFound(Throwable error) {
        if (!(error instanceof JsonRpcErrorException rpc) || rpc.code() != -32600 || rpc.errorMessage() == null) {
            return false;
        }
        String message = rpc.errorMessage();
        return message.startsWith("thread not found") || message.startsWith("no rollout found")
                || message.startsWith("no archived rollout found")
                || message.startsWith("thread not loaded") || message.startsWith("invalid thread id");
    }

    /** {@code error} as a {@link ThreadNotFoundException} if it means the thread does not exist, else unchanged. */
    static Throwable map(String threadId, Throwable error) {
        return isThreadNotFound(error) ? new ThreadNotFoundException(threadId, (JsonRpcErrorException) error) : error;
    }
}

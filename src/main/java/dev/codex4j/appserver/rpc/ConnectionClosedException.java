package dev.codex4j.appserver.rpc;

import java.util.List;

/**
 * The connection to the app-server has ended: the process exited or was killed, closed its stdout, a write
 * failed, or the client was closed. Every request pending at that moment fails with this, and so does the
 * notification stream.
 *
 * <p><b>A turn that fails with this may still be running.</b> A process that died ran nothing more; but a remote
 * app-server (WebSocket) whose connection dropped, or one the client gave up on for not answering
 * ({@code AppServerClient.dropConnection}), keeps running the turn, commands included, and asks for its
 * approvals again on the next connection to resume its thread. With a {@link RestartPolicy} the client, once
 * reconnected, interrupts every turn it had failed this way that the server still runs, and answers none of their
 * approval requests; until then (the backoff), and without a restart policy or once its budget is spent, the
 * turn goes on. So before running the turn again: resume or read the thread ({@code thread/read}) and look at its
 * status and last turn; interrupt it ({@code turn/interrupt}) or wait for it if it is still in progress.
 */
public final class ConnectionClosedException extends AppServerException {

    private final Integer exitCode;
    private final List<String> stderrTail;
    private final boolean closedByClient;

    public ConnectionClosedException(
            String reason, Integer exitCode, List<String> stderrTail, boolean closedByClient, Throwable cause) {
        super(message(reason, exitCode, stderrTail), cause);
        this.exitCode = exitCode;
        this.stderrTail = List.copyOf(stderrTail);
        this.closedByClient = closedByClient;
    }

    /** The process's exit code, or {@code null} if it had not exited (or there is no process). */
    public Integer exitCode() {
        return exitCode;
    }

    /** The last lines the process wrote to stderr, secrets redacted, oldest first. */
    public List<String> stderrTail() {
        return stderrTail;
    }

    /** {@code true} when the client's own {@code close()} ended the connection. */
    public boolean closedByClient() {
        return closedByClient;
    }

    private static String message(String reason, Integer exitCode, List<String> tail) {
        StringBuilder sb = new StringBuilder("app-server connection closed: ").append(reason);
        if (exitCode != null && !reason.contains("exit code")) {
            sb.append(" (exit code ").append(exitCode).append(')');
        }
        if (!tail.isEmpty()) {
            sb.append("; last stderr lines:");
            int from = Math.max(0, tail.size() - 10);
            for (String line : tail.subList(from, tail.size())) {
                sb.append("\n  ").append(line);
            }
        }
        return sb.toString();
    }
}

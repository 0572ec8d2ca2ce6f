package dev.codex4j.appserver.transport;

import java.util.List;

/**
 * Why a transport ended.
 *
 * @param reason what happened, for example {@code "process exited"} or {@code "stdout closed"}
 * @param exitCode the process exit code, or {@code null} when unknown (still running when its output closed,
 *     or not a process)
 * @param diagnosticTail the last stderr lines, secrets redacted
 * @param requestedByClient {@code true} when {@link Transport#close} caused the end
 * @param cause the I/O or framing error behind it, or {@code null}
 */
public record TransportClosed(
        String reason, Integer exitCode, List<String> diagnosticTail, boolean requestedByClient, Throwable cause) {

    public TransportClosed {
        diagnosticTail = List.copyOf(diagnosticTail);
    }

    /** A one-line description with the exit code, for exception messages. */
    public String describe() {
        return exitCode == null ? reason : reason + " (exit code " + exitCode + ")";
    }
}

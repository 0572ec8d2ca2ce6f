package dev.codex4j.appserver.transport;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning for {@link StdioTransport}.
 *
 * @param maxLineBytes the longest stdout line accepted; a longer one ends the connection
 * @param stderrTailLines how many recent stderr lines to keep for error messages
 * @param stderrTailLineChars the longest stderr line kept in the tail (longer ones are cut)
 * @param shutdownGrace how long {@code close()} waits after closing stdin before terminating the process
 * @param terminateTimeout how long to wait after SIGTERM before SIGKILL
 * @param redactor masks secrets in stderr before it is logged or kept
 */
public record StdioOptions(
        int maxLineBytes,
        int stderrTailLines,
        int stderrTailLineChars,
        Duration shutdownGrace,
        Duration terminateTimeout,
        SecretRedactor redactor) {

    public static final int DEFAULT_MAX_LINE_BYTES = 128 * 1024 * 1024;

    public StdioOptions {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        if (stderrTailLines < 0 || stderrTailLineChars < 16) {
            throw new IllegalArgumentException("stderr tail must keep >= 0 lines of >= 16 chars");
        }
        requireNonNegative(shutdownGrace, "shutdownGrace");
        requireNonNegative(terminateTimeout, "terminateTimeout");
        Objects.requireNonNull(redactor, "redactor");
    }

    /** 128 MiB lines, 50 stderr lines of up to 2,000 chars, 2 s grace, 2 s between SIGTERM and SIGKILL. */
    public static StdioOptions defaults() {
        return new StdioOptions(DEFAULT_MAX_LINE_BYTES, 50, 2000, Duration.ofSeconds(2), Duration.ofSeconds(2),
                SecretRedactor.tokenShapesOnly());
    }

    private static void requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + d);
        }
    }
}

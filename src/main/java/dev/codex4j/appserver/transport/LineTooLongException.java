package dev.codex4j.appserver.transport;

/** A peer sent a line longer than the configured maximum; the connection is ended rather than buffer it. */
public final class LineTooLongException extends RuntimeException {

    private final long maxLineBytes;

    LineTooLongException(long atLeastBytes, long maxLineBytes) {
        super("incoming line of at least " + atLeastBytes + " bytes exceeds the maximum of " + maxLineBytes
                + " bytes (see maxLineBytes)");
        this.maxLineBytes = maxLineBytes;
    }

    public long maxLineBytes() {
        return maxLineBytes;
    }
}

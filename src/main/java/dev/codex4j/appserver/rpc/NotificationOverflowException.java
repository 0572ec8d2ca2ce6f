package dev.codex4j.appserver.rpc;

/**
 * A subscriber of {@link AppServerClient#notifications()} (or another of the client's event streams) fell so
 * far behind that its buffer filled up. Its
 * stream ends with this error; other subscribers and the connection carry on. Nothing is dropped silently.
 */
public final class NotificationOverflowException extends AppServerException {

    public NotificationOverflowException(int bufferSize, Throwable cause) {
        super("subscriber fell behind by more than " + bufferSize
                + " events; its stream was ended (consume faster, or raise notificationBufferSize)", cause);
    }
}

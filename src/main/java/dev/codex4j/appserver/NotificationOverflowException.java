package dev.codex4j.appserver;

/**
 * A subscriber of {@link AppServerClient#notifications()} fell so far behind that its buffer filled up. Its
 * stream ends with this error; other subscribers and the connection carry on. Nothing is dropped silently.
 */
public final class NotificationOverflowException extends AppServerException {

    public NotificationOverflowException(int bufferSize, Throwable cause) {
        super("notification subscriber fell behind by more than " + bufferSize
                + " notifications; its stream was ended (consume faster, or raise notificationBufferSize)", cause);
    }
}

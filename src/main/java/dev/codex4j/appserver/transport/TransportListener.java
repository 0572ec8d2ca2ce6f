package dev.codex4j.appserver.transport;

/**
 * Receives what a {@link Transport} reads. Called one call at a time, in wire order, on the transport's reader
 * thread; except that a reader held in a call may be replaced (see {@link ReplaceableReader#replaceReader()}):
 * the next calls then come from the new reader while the held one finishes. A listener that may be held (running slow code) does
 * that last in its call, after it is done with its own state.
 */
public interface TransportListener {

    /**
     * One complete line, without its line terminator. The bytes are valid only during the call: the
     * transport reuses the buffer afterwards. Blank lines are not delivered.
     */
    void onLine(byte[] buffer, int offset, int length);

    /**
     * Every line read so far has been handed to {@link #onLine} and the transport is about to wait for more
     * input: a listener that collects lines hands them on now, so that threads downstream are woken once per
     * read rather than once per line. A transport must call it after each run of {@code onLine} calls.
     */
    default void onBatchEnd() {}

    /** The connection has ended; called exactly once, after the last {@link #onLine}. */
    void onClosed(TransportClosed closed);
}

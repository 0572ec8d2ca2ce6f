package dev.codex4j.appserver.transport;

/** Receives what a {@link Transport} reads. Called on the transport's reader thread only. */
public interface TransportListener {

    /**
     * One complete line, without its line terminator. The bytes are valid only during the call: the
     * transport reuses the buffer afterwards. Blank lines are not delivered.
     */
    void onLine(byte[] buffer, int offset, int length);

    /** The connection has ended; called exactly once, after the last {@link #onLine}. */
    void onClosed(TransportClosed closed);
}

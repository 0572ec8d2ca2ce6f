package dev.codex4j.appserver.transport;

/**
 * A transport with one reader thread that can hand reading over to a new thread while the current one is
 * held: by a listener call that runs slow code, or by a write to a peer that does not read (see
 * {@link StdioTransport}). The client asks for this when it runs code it does not control on the reader;
 * a transport whose reads cannot be held up that way (one with its own event loop) need not implement it.
 */
public interface ReplaceableReader {

    /**
     * Starts a new reader thread to carry on reading while the current one is held in a listener call (by a
     * listener that runs slow code there): the new one goes on with the line after the one being handled, and
     * the held thread leaves the read loop once its call returns. So lines keep their order and the listener
     * sees one reader at a time, apart from the held thread finishing its call. Callable from any thread.
     *
     * @return whether a new reader took over; {@code false}, changing nothing, if the reader is not in a
     *     listener call at that moment
     */
    boolean replaceReader();

    /**
     * Starts a new reader, as {@link #replaceReader()} does, if the current one has been writing for at least
     * {@code heldNanos} at {@code now}: a transport whose reader writes what was sent while it handled a read
     * (one system call for many messages) must not leave reading to a thread blocked on a peer that does not
     * read, since the peer may be blocked writing what that thread should read. Callable from any thread.
     *
     * @param now a {@link System#nanoTime()} value
     * @return whether a new reader took over; by default {@code false}, for a transport whose reader never writes
     */
    default boolean replaceReaderIfWriting(long now, long heldNanos) {
        return false;
    }

    /**
     * When the reader began the write it is in (see {@link #replaceReaderIfWriting}), as a
     * {@link System#nanoTime()} value, or 0 while it is not writing (always, by default).
     */
    default long readerWritingSince() {
        return 0;
    }

}

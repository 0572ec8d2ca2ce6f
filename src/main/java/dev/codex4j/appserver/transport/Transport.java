package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * A connection that carries one JSON message per line in each direction.
 *
 * <p>Lifecycle: {@link #start} once, then {@link #send} from any thread, then {@link #close}. The listener
 * sees lines in wire order on a single reader thread and is told of the end exactly once, whether the peer
 * went away or {@link #close} was called.
 */
public interface Transport extends AutoCloseable {

    /**
     * Opens the connection and begins reading. Lines are delivered to {@code listener} on a transport-owned
     * thread, each run of them followed by {@link TransportListener#onBatchEnd()} (the client hands on what
     * it collected only then). A listener call may take long only on a transport that is also a
     * {@link ReplaceableReader}.
     *
     * @throws IOException if the connection cannot be opened (for example, the executable is missing)
     */
    void start(TransportListener listener) throws IOException;

    /**
     * Writes one message followed by a newline. Safe to call from several threads; each message is written
     * whole, in the order of the calls. It may leave a little later, together with others: while another
     * thread is writing, or while the reader is handling what it read (then it leaves when the reader is
     * done with that read).
     *
     * @param message the encoded message, without a trailing newline
     * @throws IOException if the connection is closed or the write fails
     */
    void send(byte[] message) throws IOException;

    /** The last lines the peer wrote to its diagnostic stream (stderr), secrets redacted; oldest first. */
    List<String> diagnosticTail();

    /**
     * Ends the connection: closes the peer's input, waits up to {@code grace} for it to leave on its own,
     * then terminates and finally kills it, including any processes it started. Idempotent; returns once
     * nothing is left running.
     */
    void close(Duration grace);

    /** {@link #close(Duration)} with the transport's configured grace period. */
    @Override
    void close();
}

package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A transport's output stream (a child's stdin, a socket), written by many threads: each message whole, framed
 * by its {@link Encoding} (a newline after it; a WebSocket frame around it), in the order sent, in as few system
 * calls as the moment allows.
 *
 * <p>A message is written at once by the thread sending it, unless
 * <ul>
 *   <li>another thread is writing: that one takes it along once its write returns, and the sender goes on;
 *   <li>the reader is handling a read ({@link #handling()}): the continuations it runs send requests, and so
 *       do the threads they wake. What they send by the time the reader has handled the read leaves together
 *       ({@link #readHandled()}), up to {@link #MAX_HELD_BYTES}.
 * </ul>
 * No lock is held during a write, so a write that blocks (a child that does not read its stdin) holds up only
 * its own thread. A writing thread writes until nothing is pending, so under a steady stream of sends one
 * sender may write for others a while. Should a write fail, its thread's send throws, every later one too,
 * and a message sent meanwhile is dropped without its sender hearing of it: the transport ends the
 * connection then, which fails what awaits an answer. A reader that writes can be blocked that way too, by a child that is itself blocked writing
 * the stdout the reader should be reading: its transport lets a new reader take over (see
 * {@link StdioTransport#replaceReaderIfWriting}).
 */
final class StreamWriter {

    /** The most bytes left for the reader to write at the end of a read; a sender that would leave more writes. */
    static final int MAX_HELD_BYTES = 16 * 1024;
    /** While a write is blocked, senders other than the reader wait once this much is waiting behind it. */
    static final int MAX_PENDING_BYTES = 1024 * 1024;
    /**
     * The reader waits too, beyond this. It is let go further than others since its continuations are what
     * moves the connection on; should it wait, the client takes it for held and starts another reader.
     */
    static final int MAX_PENDING_BYTES_FOR_READER = 16 * MAX_PENDING_BYTES;
    private static final int KEPT_BUFFER_BYTES = 64 * 1024;

    /** How a message is framed on the stream. */
    interface Encoding {
        /** The most bytes {@code message} takes framed. */
        int maxFramedLength(byte[] message);

        /** Writes {@code message} framed into {@code out} from {@code at}; returns the index just past it. */
        int frame(byte[] message, byte[] out, int at);
    }

    /** One message a line: the message, then {@code '\n'}. */
    static final Encoding LINES = new Encoding() {
        @Override
        public int maxFramedLength(byte[] message) {
            return message.length + 1;
        }

        @Override
        public int frame(byte[] message, byte[] out, int at) {
            System.arraycopy(message, 0, out, at, message.length);
            out[at + message.length] = '\n';
            return at + message.length + 1;
        }
    };

    /** Told once, on the writing thread, when a write fails: nothing more can be written. */
    interface FailureListener {
        void writeFailed(IOException e);
    }

    private final OutputStream out;
    private final Encoding encoding;
    private final FailureListener failureListener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();

    // all under the lock, but for handling (set by the reader alone)
    private byte[] pending = new byte[8 * 1024];
    private int pendingLength;
    private byte[] spare = new byte[8 * 1024];
    /** Whether a thread is writing (outside the lock); it writes whatever is pending before it stops. */
    private boolean writing;
    private volatile boolean handling;
    private IOException failure;
    /** Closing: whoever writes last closes the stream. */
    private boolean closing;

    StreamWriter(OutputStream out, FailureListener failureListener) {
        this(out, LINES, failureListener);
    }

    StreamWriter(OutputStream out, Encoding encoding, FailureListener failureListener) {
        this.out = out;
        this.encoding = encoding;
        this.failureListener = failureListener;
    }

    /** The reader has read something and is handling it: until {@link #readHandled()}, senders may leave it their messages. */
    void handling() {
        handling = true;
    }

    /**
     * Sends one message, framed: written by this thread, or by one that will write it soon (see the
     * class comment).
     *
     * @param reader whether the calling thread is the reader, which is let go further before it waits for room
     * @throws IOException if the stream is closed or a write has failed (this one's, if this thread wrote)
     */
    void send(byte[] message, boolean reader) throws IOException {
        send(message, reader, encoding);
    }

    /** Sends bytes already framed (a WebSocket control frame), as {@link #send(byte[], boolean)} does a message. */
    void sendFramed(byte[] frame, boolean reader) throws IOException {
        send(frame, reader, RAW);
    }

    private static final Encoding RAW = new Encoding() {
        @Override
        public int maxFramedLength(byte[] message) {
            return message.length;
        }

        @Override
        public int frame(byte[] message, byte[] out, int at) {
            System.arraycopy(message, 0, out, at, message.length);
            return at + message.length;
        }
    };

    private void send(byte[] message, boolean reader, Encoding framing) throws IOException {
        lock.lock();
        try {
            checkOpen();
            while (writing && pendingLength > (reader ? MAX_PENDING_BYTES_FOR_READER : MAX_PENDING_BYTES)) {
                written.awaitUninterruptibly(); // as a blocking write does: IOException means the end
                checkOpen();
            }
            append(message, framing);
            if (writing || (handling && pendingLength <= MAX_HELD_BYTES)) {
                return;
            }
            writing = true;
        } finally {
            lock.unlock();
        }
        IOException failed = drain();
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * The reader has handled its read: from now on senders write their own messages.
     *
     * @return whether messages were left waiting for it and nobody is writing: the reader must now
     *     {@link #drain()}
     */
    boolean readHandled() {
        lock.lock();
        try {
            handling = false;
            if (writing || pendingLength == 0 || failure != null) {
                return false;
            }
            writing = true;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes what is pending, and what is sent meanwhile, until nothing is: for the thread that set
     * {@code writing}. A failed write is reported once and fails every later send.
     *
     * @return the exception of a write of this thread's that failed, else {@code null}
     */
    IOException drain() {
        byte[] chunk = null;
        for (;;) {
            int length;
            boolean close;
            lock.lock();
            try {
                if (chunk != null && chunk.length <= KEPT_BUFFER_BYTES) {
                    spare = chunk; // no garbage per write; a huge one is not kept
                }
                length = failure == null ? pendingLength : 0;
                if (length == 0) {
                    writing = false;
                    close = closing;
                    written.signalAll();
                } else {
                    chunk = pending;
                    pending = spare != null ? spare : new byte[8 * 1024];
                    spare = null;
                    pendingLength = 0;
                    written.signalAll();
                    close = false;
                }
            } finally {
                lock.unlock();
            }
            if (length == 0) {
                if (close) {
                    closeStream();
                }
                return null;
            }
            try {
                out.write(chunk, 0, length);
                out.flush();
            } catch (Throwable e) { // whatever it is, writing must not stay taken with nobody writing
                IOException failed = e instanceof IOException io ? io
                        : new IOException("writing to the app-server failed: " + e, e);
                fail(failed);
                return failed;
            }
        }
    }

    /**
     * Later sends fail; the stream is closed once what is pending is written: at once if nothing is, by the
     * thread writing if one is, else by whoever runs {@link #drain()} as this asks. Never writes itself, so a
     * child that reads no more cannot hold up the caller.
     *
     * @return whether the caller must now run {@link #drain()}, on a thread that may block
     */
    boolean close() {
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            closing = true;
            if (writing) {
                return false;
            }
            if (pendingLength > 0 && failure == null) {
                writing = true;
                return true;
            }
        } finally {
            lock.unlock();
        }
        closeStream();
        return false;
    }

    private void fail(IOException e) {
        boolean close;
        lock.lock();
        try {
            failure = e; // only the writing thread writes, so this is the first
            pendingLength = 0;
            writing = false;
            close = closing;
            written.signalAll();
        } finally {
            lock.unlock();
        }
        if (close) {
            closeStream();
        }
        failureListener.writeFailed(e);
    }

    private void closeStream() {
        try {
            out.close();
        } catch (IOException e) {
            // the child is gone already
        }
    }

    private void checkOpen() throws IOException {
        if (closing || failure != null) {
            throw new IOException("transport closed");
        }
    }

    private void append(byte[] message, Encoding framing) {
        int needed = pendingLength + framing.maxFramedLength(message);
        if (needed > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(needed, pending.length * 2));
        }
        pendingLength = framing.frame(message, pending, pendingLength);
    }
}

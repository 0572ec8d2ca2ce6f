package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read side of a transport over one byte stream (a child's stdout, a socket): a reader thread reads it in
 * chunks, its {@link Framer} cuts them into messages, which go to the listener; after each read the listener ends
 * its batch and the reader writes what was sent meanwhile ({@link StreamWriter#readHandled()}).
 *
 * <p>A reader held in a listener call, or in a write to a peer that does not read, can be replaced: a new thread
 * ({@code <name>-2}, and so on) goes on reading. Held in {@code onBatchEnd} or a write, the old thread had handed
 * every complete message on, so the new one goes on with its framer (and any unfinished message in it); held in
 * {@code onLine}, the new one first frames the rest of the old one's last read, with a fresh framer. The old thread
 * touches neither again.
 *
 * <p>At the end of the stream, or when reading or framing fails, the last reader asks its {@link Host} what
 * ended the connection and tells the listener once.
 */
final class StreamReader implements ReplaceableReader {

    /** Cuts a byte stream into messages. Not thread-safe: one reader feeds it at a time. */
    interface Framer {
        /**
         * Frames {@code length} bytes of {@code chunk}, calling {@code sink} for each whole message.
         *
         * @throws IOException when the stream breaks its framing; the framer must not be used afterwards
         * @throws LineTooLongException when a message exceeds the maximum; likewise
         */
        void feed(byte[] chunk, int offset, int length, LineFramer.LineSink sink) throws IOException;

        /**
         * While the sink handles a message: the index in the chunk being fed just past that message, where framing
         * goes on. No unfinished message is held back during a sink call, so a fresh framer can go on from there.
         */
        int resumeAt();
    }

    /** What the reader asks its transport at the end. */
    interface Host {
        /**
         * The stream ended ({@code failure} null) or reading it failed: an {@link IOException}, a
         * {@link LineTooLongException}, or anything else thrown outside the listener. Called once, on the last
         * reader, before the listener is told.
         *
         * @return what the listener is told
         */
        TransportClosed ended(Throwable failure);
    }

    private static final Logger log = LoggerFactory.getLogger(StreamReader.class);
    /** The most bytes read before the listener is told to hand on what it collected. */
    static final int MAX_BATCH_BYTES = 256 * 1024;
    /** A read at least this long may have left more waiting in the stream. */
    private static final int LONG_READ = 4096;

    private final InputStream in;
    private final Supplier<Framer> framers;
    private final StreamWriter writer;
    private final TransportListener listener;
    private final Host host;
    private final ReaderThreads threads;
    private final AtomicBoolean reportStarted = new AtomicBoolean();
    private final CompletableFuture<Void> reported = new CompletableFuture<>();
    /** The reader of the moment (set by its own thread as it starts); {@code null} before. */
    private volatile Reader reader;

    StreamReader(String threadName, InputStream in, Supplier<Framer> framers, StreamWriter writer,
            TransportListener listener, Host host) {
        this.in = in;
        this.framers = framers;
        this.writer = writer;
        this.listener = listener;
        this.host = host;
        this.threads = new ReaderThreads(threadName);
    }

    /** Starts the first reader, which frames {@code first[from, to)} (read before, say with a handshake) first. */
    void start(byte[] first, int from, int to) {
        threads.start(() -> run(null, first, from, to));
    }

    /** The reader thread started last (the one to join), or {@code null} before {@link #start}. */
    Thread current() {
        return threads.current();
    }

    /** Whether {@code thread} is the reader of the moment (whose sends the writer lets go further). */
    boolean isReader(Thread thread) {
        Reader r = reader;
        return r != null && r.thread == thread;
    }

    /** Whether the calling thread is a reader in a listener call (say, a continuation that closes the client). */
    boolean isInListenerCall() {
        Reader r = reader;
        return r != null && r.thread == Thread.currentThread() && r.state == Reader.IN_LISTENER;
    }

    /** Completed once the listener has been told of the end. */
    CompletableFuture<Void> reported() {
        return reported;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The reader writes what was sent while it handled a read, and a write blocks while the peer does not read,
     * which a peer blocked writing what this reader should read never does: then this reader must not be the only one.
     */
    @Override
    public boolean replaceReaderIfWriting(long now, long heldNanos) {
        Reader r = reader;
        long since = r == null ? 0 : r.writingSince;
        return since != 0 && now - since >= heldNanos && replace(r, Reader.WRITING);
    }

    @Override
    public long readerWritingSince() {
        Reader r = reader;
        return r == null ? 0 : r.writingSince;
    }

    @Override
    public boolean replaceReader() {
        return replace(reader, Reader.IN_LISTENER);
    }

    /** Replaces {@code held} if it is (still) in state {@code heldIn}: in a listener call, or writing. */
    private boolean replace(Reader held, int heldIn) {
        if (held == null || !Reader.STATE.compareAndSet(held, heldIn, Reader.REPLACED)) {
            return false;
        }
        // the held reader wrote its state before it began that call or write, and is still in there
        Runnable next;
        if (held.inLine) {
            byte[] rest = held.chunk;
            int from = held.framer.resumeAt();
            int to = held.chunkEnd;
            next = () -> run(null, rest, from, to);
        } else {
            Framer same = held.framer;
            next = () -> run(same, null, 0, 0);
        }
        Thread started;
        try {
            started = threads.start(next);
        } catch (Throwable e) { // no thread to be had: the held reader must stay the reader, or none would read
            Reader.STATE.compareAndSet(held, Reader.REPLACED, heldIn);
            log.error("could not start a new reader; the held one stays", e);
            return false;
        }
        log.debug("the reader is held {}; {} reads on", heldIn == Reader.WRITING ? "writing" : "by its listener",
                started.getName());
        return true;
    }

    /**
     * Runs a reader on the calling thread, with {@code framer} or a fresh one. The reader is allocated here, by its
     * own thread, away from the objects the writing threads touch: it writes its fields for every message.
     */
    private void run(Framer framer, byte[] rest, int from, int to) {
        Reader r = new Reader(framer != null ? framer : framers.get());
        reader = r;
        r.run(rest, from, to);
    }

    private void report(TransportClosed closed) {
        if (!reportStarted.compareAndSet(false, true)) {
            return;
        }
        if (!closed.requestedByClient()) {
            log.warn("app-server connection ended: {}", closed.describe());
        }
        try {
            listener.onClosed(closed);
        } catch (Throwable e) {
            log.error("listener failed on connection end", e);
        } finally {
            reported.complete(null);
        }
    }

    /** Thrown out of the framer to a reader thread whose place another took while it was in the listener. */
    private static final class Replaced extends RuntimeException {
        static final Replaced INSTANCE = new Replaced();

        private Replaced() {
            super("reader replaced", null, false, false);
        }
    }

    /**
     * One reader thread's read loop. Its fields are what a reader replacing it goes on from; only its own thread
     * writes them, before it enters a listener call ({@code state}).
     */
    private final class Reader implements LineFramer.LineSink {

        static final int OUTSIDE = 0;
        static final int IN_LISTENER = 1;
        static final int REPLACED = 2;
        static final int WRITING = 3;
        static final AtomicIntegerFieldUpdater<Reader> STATE =
                AtomicIntegerFieldUpdater.newUpdater(Reader.class, "state");

        final Framer framer;
        final Thread thread = Thread.currentThread();
        /** When this reader began writing what others sent, or 0 while it is not writing. */
        volatile long writingSince;
        byte[] chunk;
        int chunkEnd;
        boolean inLine;
        volatile int state;

        Reader(Framer framer) {
            this.framer = framer;
        }

        /**
         * Runs on one thread at a time, and leaves when another reader took over. It first frames
         * {@code rest[from, to)}: what its predecessor had read but not framed, or what came before the stream.
         */
        void run(byte[] rest, int from, int to) {
            byte[] buffer = new byte[64 * 1024];
            Throwable failure = null;
            try {
                if (rest != null) {
                    chunk = rest;
                    chunkEnd = to;
                    framer.feed(rest, from, to - from, this);
                    endBatch();
                }
                readHandled(); // also what was left for the reader this one replaces
                int n;
                int sinceBatchEnd = 0;
                while ((n = in.read(buffer)) != -1) {
                    writer.handling();
                    chunk = buffer;
                    chunkEnd = n;
                    framer.feed(buffer, 0, n, this);
                    sinceBatchEnd += n;
                    // While more is already waiting, the batch grows (up to a bound): one wake-up downstream per
                    // burst instead of per read. When nothing is waiting, what was read goes out at once. A short
                    // read means the stream was drained, so only a long one is worth asking (a system call) about.
                    if (sinceBatchEnd >= MAX_BATCH_BYTES || n < LONG_READ || in.available() == 0) {
                        endBatch();
                        sinceBatchEnd = 0;
                    }
                    readHandled();
                }
                endBatch();
            } catch (Replaced e) {
                return; // another reader reads on
            } catch (Throwable e) {
                failure = e;
            }
            TransportClosed closed;
            try {
                closed = host.ended(failure);
            } catch (Throwable e) {
                log.error("ending the connection failed", e);
                closed = new TransportClosed("the connection ended: " + e, null, java.util.List.of(), false, e);
            }
            if (writer.readHandled()) { // senders no longer leave their messages to a reader (after a failure mid-read)
                writer.drain();
            }
            report(closed);
        }

        /**
         * Writes what was sent while this read was handled, if that was left to the reader. Meanwhile
         * {@link #replaceReaderIfWriting} may start another reader.
         */
        private void readHandled() {
            if (!writer.readHandled()) {
                return;
            }
            inLine = false; // a new reader goes on with this framer: every message of the read was handled
            writingSince = System.nanoTime();
            STATE.lazySet(this, WRITING); // publishes the fields above to replaceReaderIfWriting
            try {
                writer.drain();
            } finally {
                writingSince = 0;
            }
            leave(WRITING);
        }

        @Override
        public void line(byte[] buffer, int offset, int length) {
            inLine = true;
            STATE.lazySet(this, IN_LISTENER); // publishes the fields above to replaceReader, which CASes it
            try {
                listener.onLine(buffer, offset, length);
            } catch (Throwable e) { // the reader must survive anything its listener does
                log.error("listener failed on an incoming message; continuing", e);
            }
            leave(IN_LISTENER);
        }

        private void endBatch() {
            inLine = false;
            STATE.lazySet(this, IN_LISTENER);
            try {
                listener.onBatchEnd();
            } catch (Throwable e) {
                log.error("listener failed at the end of a batch of messages; continuing", e);
            }
            leave(IN_LISTENER);
        }

        private void leave(int from) {
            if (!STATE.compareAndSet(this, from, OUTSIDE)) {
                throw Replaced.INSTANCE;
            }
        }
    }
}

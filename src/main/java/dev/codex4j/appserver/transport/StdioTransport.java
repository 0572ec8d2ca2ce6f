package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the app-server as a child process and speaks to it over its stdin and stdout.
 *
 * <p>Three threads per process, all daemon and named after the child's pid: the caller's threads write
 * (see {@link StdinWriter}: at once, or along with others while another thread writes or the reader handles
 * a read); {@code codex4j-stdout-<pid>} frames stdout into lines, hands them to the listener, and after each
 * read writes what was sent meanwhile; {@code codex4j-stderr-<pid>} drains stderr into SLF4J and a bounded
 * tail, so a child that floods stderr never blocks. When the listener holds the reader too long, or its
 * write blocks, {@link #replaceReader()} and {@link #replaceReaderIfWriting} let a new thread
 * ({@code codex4j-stdout-<pid>-2}, and so on) carry on reading.
 *
 * <p>The end of stdout, a failed write and {@link #close} all lead to one place: the process tree is
 * ended and the listener is told once, with the exit code and the stderr tail.
 */
public final class StdioTransport implements Transport, ReplaceableReader {

    private static final Logger log = LoggerFactory.getLogger(StdioTransport.class);

    /** How long to wait for an exit code after stdout ends before calling it "stdout closed". */
    private static final Duration EXIT_AFTER_EOF = Duration.ofMillis(300);
    /** How long to let the stderr drainer catch up before the tail goes into an error message. */
    private static final Duration STDERR_SETTLE = Duration.ofMillis(200);
    private static final Duration THREAD_JOIN = ChildProcess.THREAD_JOIN;

    private final List<String> command;
    private final Map<String, String> environment;
    private final boolean inheritEnvironment;
    private final Path workingDirectory;
    private final StdioOptions options;

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean reported = new AtomicBoolean();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private volatile ChildProcess child;
    private volatile StdinWriter stdin;
    private volatile IOException writeFailure;
    /** The stdout reader threads: {@code codex4j-stdout-<pid>}, then {@code -2} and so on for replacements. */
    private volatile ReaderThreads readers;
    /** The reader of the moment (set by its own thread as it starts); {@code null} before. */
    private volatile StdoutReader reader;
    private InputStream stdout;
    private TransportListener listener;

    /**
     * @param command the program and its arguments
     * @param environment variables for the child
     * @param inheritEnvironment whether the child starts from this JVM's environment ({@code environment} is
     *     added to it) or from {@code environment} alone
     * @param workingDirectory the child's working directory, or {@code null} for the JVM's
     */
    public StdioTransport(List<String> command, Map<String, String> environment, boolean inheritEnvironment,
            Path workingDirectory, StdioOptions options) {
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.inheritEnvironment = inheritEnvironment;
        this.workingDirectory = workingDirectory;
        this.options = Objects.requireNonNull(options, "options");
        if (this.command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
    }

    @Override
    public void start(TransportListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("transport already started");
        }
        this.listener = listener;
        ChildProcess started;
        try {
            started = ChildProcess.start(command, environment, inheritEnvironment, workingDirectory,
                    options.redactor(), options.stderrTailLines(), options.stderrTailLineChars(), null);
        } catch (IOException e) {
            terminated.complete(null);
            throw e;
        }
        child = started;
        Process process = started.process();
        stdin = new StdinWriter(process.getOutputStream(), this::writeFailed);
        long pid = process.pid();
        stdout = process.getInputStream();
        readers = new ReaderThreads("codex4j-stdout-" + pid);
        readers.start(() -> startReader(null, null, 0, 0));
        log.debug("started app-server pid {}", pid);
    }

    @Override
    public void send(byte[] message) throws IOException {
        StdinWriter out = stdin;
        if (out == null) {
            throw new IOException("transport not started");
        }
        if (closeRequested.get()) { // (after a failed write the writer itself refuses)
            throw new IOException("transport closed");
        }
        StdoutReader r = reader;
        out.send(message, r != null && r.thread == Thread.currentThread());
    }

    /** Closes stdin after what waits to be written, which a thread of its own writes: it may block. */
    private void closeStdin() {
        StdinWriter in = stdin;
        if (in == null || !in.close()) {
            return;
        }
        try {
            daemon("codex4j-stdin-" + pid(), in::drain).start();
        } catch (Throwable e) { // no thread: the child's end is near anyway (terminated after the grace period)
            log.debug("could not start a thread to write the last messages to app-server stdin", e);
        }
    }

    private void writeFailed(IOException e) {
        writeFailure = e;
        // A child that no longer reads its stdin can never be told anything again: kill it now (a SIGTERM it
        // might ignore would leave requests hanging); the reader then sees stdout end and reports the write
        // failure with the exit code.
        destroyTree(true);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The reader writes what was sent while it handled a read, and a write blocks while the child does not
     * read its stdin, which a child blocked writing its stdout never does: then this reader must not be the
     * only one.
     */
    @Override
    public boolean replaceReaderIfWriting(long now, long heldNanos) {
        StdoutReader r = reader;
        long since = r == null ? 0 : r.writingSince;
        return since != 0 && now - since >= heldNanos && replace(r, StdoutReader.WRITING);
    }

    @Override
    public long readerWritingSince() {
        StdoutReader r = reader;
        return r == null ? 0 : r.writingSince;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The new thread continues with the same stream. Held in {@code onBatchEnd}, the old thread had handed
     * every complete line on, so the new one goes on with its framer (and any unfinished line in it); held in
     * {@code onLine}, the new one first frames the rest of the old one's last read, with a fresh framer. The
     * old thread touches neither again.
     */
    @Override
    public boolean replaceReader() {
        return replace(reader, StdoutReader.IN_LISTENER);
    }

    /** Replaces {@code held} if it is (still) in state {@code heldIn}: in a listener call, or writing. */
    private boolean replace(StdoutReader held, int heldIn) {
        if (held == null || !StdoutReader.STATE.compareAndSet(held, heldIn, StdoutReader.REPLACED)) {
            return false;
        }
        // the held reader wrote its state before it began that call or write, and is still in there
        Runnable next;
        if (held.inLine) {
            byte[] rest = held.chunk;
            int from = held.framer.resumeAt();
            int to = held.chunkEnd;
            next = () -> startReader(null, rest, from, to);
        } else {
            LineFramer same = held.framer;
            next = () -> startReader(same, null, 0, 0);
        }
        Thread started;
        try {
            started = readers.start(next);
        } catch (Throwable e) { // no thread to be had: the held reader must stay the reader, or none would read
            StdoutReader.STATE.compareAndSet(held, StdoutReader.REPLACED, heldIn);
            log.error("could not start a new stdout reader; the held one stays", e);
            return false;
        }
        log.debug("the stdout reader is held {}; {} reads on",
                heldIn == StdoutReader.WRITING ? "writing to stdin" : "by its listener", started.getName());
        return true;
    }

    @Override
    public List<String> diagnosticTail() {
        ChildProcess c = child;
        return c == null ? List.of() : c.tail();
    }

    /** The child's process id, or -1 before {@link #start}. */
    public long pid() {
        ChildProcess c = child;
        return c == null ? -1 : c.pid();
    }

    @Override
    public void close() {
        close(options.shutdownGrace());
    }

    @Override
    public void close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (!closeRequested.compareAndSet(false, true)) {
            awaitQuietly(terminated, grace.plus(options.terminateTimeout()).plus(THREAD_JOIN));
            return;
        }
        ChildProcess c = child;
        if (c == null) {
            terminated.complete(null);
            return;
        }
        try {
            c.ending();
            c.rememberDescendants();
            closeStdin();
            if (!c.waitFor(grace)) {
                log.debug("app-server pid {} still running {} after stdin closed", c.pid(), grace);
            }
            c.terminate(options.terminateTimeout());
            join(readers.current());
        } finally {
            terminated.complete(null);
        }
    }

    /** The most bytes read before the listener is told to hand on what it collected. */
    static final int MAX_BATCH_BYTES = 256 * 1024;
    /** A read at least this long may have left more waiting in the pipe. */
    private static final int LONG_READ = 4096;

    /** Thrown out of the framer to a reader thread whose place another took while it was in the listener. */
    private static final class Replaced extends RuntimeException {
        static final Replaced INSTANCE = new Replaced();

        private Replaced() {
            super("reader replaced", null, false, false);
        }
    }

    /**
     * Runs a reader on the calling thread, with {@code framer} or a fresh one. The reader is allocated here,
     * by its own thread, away from the objects the writing threads touch: it writes its fields for every line.
     */
    private void startReader(LineFramer framer, byte[] rest, int from, int to) {
        StdoutReader r = new StdoutReader(framer != null ? framer : new LineFramer(options.maxLineBytes()));
        reader = r;
        r.run(rest, from, to);
    }

    /**
     * One reader thread's read loop. Its fields are what a reader replacing it goes on from; only its own
     * thread writes them, before it enters a listener call ({@code state}).
     */
    private final class StdoutReader implements LineFramer.LineSink {

        static final int OUTSIDE = 0;
        static final int IN_LISTENER = 1;
        static final int REPLACED = 2;
        static final int WRITING = 3;
        static final AtomicIntegerFieldUpdater<StdoutReader> STATE =
                AtomicIntegerFieldUpdater.newUpdater(StdoutReader.class, "state");

        final LineFramer framer;
        final Thread thread = Thread.currentThread();
        /** When this reader began writing what others sent, or 0 while it is not writing. */
        volatile long writingSince;
        byte[] chunk;
        int chunkEnd;
        boolean inLine;
        volatile int state;

        StdoutReader(LineFramer framer) {
            this.framer = framer;
        }

        /**
         * Runs on one thread at a time, and leaves when {@link #replaceReader()} took over. A replacing reader
         * first frames {@code rest[from, to)}, what its predecessor had read but not framed.
         */
        void run(byte[] rest, int from, int to) {
            InputStream in = stdout;
            byte[] buffer = new byte[64 * 1024];
            TransportClosed closed;
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
                    stdin.handling();
                    chunk = buffer;
                    chunkEnd = n;
                    framer.feed(buffer, 0, n, this);
                    sinceBatchEnd += n;
                    // While more is already waiting, the batch grows (up to a bound): one wake-up downstream per
                    // burst instead of per read. When nothing is waiting, what was read goes out at once. A short
                    // read means the pipe was drained, so only a long one is worth asking (a system call) about.
                    if (sinceBatchEnd >= MAX_BATCH_BYTES || n < LONG_READ || in.available() == 0) {
                        endBatch();
                        sinceBatchEnd = 0;
                    }
                    readHandled();
                }
                endBatch();
                closed = afterEndOfOutput(null);
            } catch (Replaced e) {
                return; // another reader reads on
            } catch (LineTooLongException e) {
                log.error("app-server sent a line longer than {} bytes; closing the connection", e.maxLineBytes());
                destroyTree(true);
                closed = afterEndOfOutput(e);
            } catch (IOException e) {
                closed = afterEndOfOutput(closeRequested.get() ? null : e);
            } catch (Throwable e) {
                log.error("stdout reader failed unexpectedly", e);
                destroyTree(true);
                closed = afterEndOfOutput(e);
            }
            if (stdin.readHandled()) { // senders no longer leave their messages to a reader (after a failure mid-read)
                stdin.drain();
            }
            report(closed);
        }

        /**
         * Writes what was sent while this read was handled, if that was left to the reader. Meanwhile
         * {@link #replaceReaderIfWriting} may start another reader.
         */
        private void readHandled() {
            if (!stdin.readHandled()) {
                return;
            }
            inLine = false; // a new reader goes on with this framer: every line of the read was handled
            writingSince = System.nanoTime();
            STATE.lazySet(this, WRITING); // publishes the fields above to replaceReaderIfWriting
            try {
                stdin.drain();
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
                log.error("listener failed on an incoming line; continuing", e);
            }
            leaveListener();
        }

        private void endBatch() {
            inLine = false;
            STATE.lazySet(this, IN_LISTENER);
            try {
                listener.onBatchEnd();
            } catch (Throwable e) {
                log.error("listener failed at the end of a batch of lines; continuing", e);
            }
            leaveListener();
        }

        private void leaveListener() {
            leave(IN_LISTENER);
        }

        private void leave(int from) {
            if (!STATE.compareAndSet(this, from, OUTSIDE)) {
                throw Replaced.INSTANCE;
            }
        }
    }

    private TransportClosed afterEndOfOutput(Throwable failure) {
        ChildProcess c = child;
        Process p = c.process();
        boolean requested = closeRequested.get();
        boolean exited = requested ? c.waitFor(options.shutdownGrace().plus(options.terminateTimeout()))
                : c.waitFor(EXIT_AFTER_EOF);
        if (!exited) {
            // stdout is gone but the process lives on: it can no longer answer, so it must not linger.
            c.destroyTree(true);
            c.waitFor(options.terminateTimeout());
        }
        c.settleStderr(STDERR_SETTLE);
        Integer exitCode = exited ? p.exitValue() : null;
        String reason;
        Throwable cause = failure;
        if (requested) {
            reason = "closed by client";
        } else if (failure instanceof LineTooLongException) {
            reason = failure.getMessage();
        } else if (writeFailure != null) {
            reason = "write to app-server stdin failed: " + writeFailure.getMessage();
            cause = writeFailure;
        } else if (failure != null) {
            reason = "reading app-server stdout failed: " + failure.getMessage();
        } else if (exited) {
            reason = "app-server process exited";
        } else {
            reason = "app-server closed stdout while still running; it was killed";
        }
        return new TransportClosed(reason, exitCode, c.tail(), requested, cause);
    }

    private void report(TransportClosed closed) {
        if (reported.compareAndSet(false, true)) {
            if (!closed.requestedByClient()) {
                log.warn("app-server connection ended: {}", closed.describe());
            }
            try {
                listener.onClosed(closed);
            } catch (Throwable e) {
                log.error("listener failed on connection end", e);
            }
        }
    }

    private void destroyTree(boolean forcibly) {
        ChildProcess c = child;
        if (c != null) {
            c.destroyTree(forcibly);
        }
    }

    private static boolean awaitQuietly(CompletableFuture<?> future, Duration timeout) {
        return ChildProcess.awaitQuietly(future, timeout);
    }

    private static void join(Thread t) {
        ChildProcess.join(t, THREAD_JOIN);
    }

    private static Thread daemon(String name, Runnable body) {
        return ChildProcess.daemon(name, body);
    }
}

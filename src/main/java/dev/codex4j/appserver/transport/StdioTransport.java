package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the app-server as a child process and speaks to it over its stdin and stdout.
 *
 * <p>Three threads per process, all daemon and named after the child's pid: the caller's threads write
 * (see {@link StreamWriter}: at once, or along with others while another thread writes or the reader handles
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
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private volatile ChildProcess child;
    private volatile StreamWriter stdin;
    private volatile IOException writeFailure;
    /** Reads stdout: {@code codex4j-stdout-<pid>}, then {@code -2} and so on for replacements. */
    private volatile StreamReader reader;

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
        stdin = new StreamWriter(process.getOutputStream(), this::writeFailed);
        long pid = process.pid();
        reader = new StreamReader("codex4j-stdout-" + pid, process.getInputStream(),
                () -> new LineFramer(options.maxLineBytes()), stdin, listener, this::ended);
        reader.start(null, 0, 0);
        log.debug("started app-server pid {}", pid);
    }

    @Override
    public void send(byte[] message) throws IOException {
        StreamWriter out = stdin;
        if (out == null) {
            throw new IOException("transport not started");
        }
        if (closeRequested.get()) { // (after a failed write the writer itself refuses)
            throw new IOException("transport closed");
        }
        StreamReader r = reader;
        out.send(message, r != null && r.isReader(Thread.currentThread()));
    }

    /** Closes stdin after what waits to be written, which a thread of its own writes: it may block. */
    private void closeStdin() {
        StreamWriter in = stdin;
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

    /** {@inheritDoc} (see {@link StreamReader#replaceReaderIfWriting}) */
    @Override
    public boolean replaceReaderIfWriting(long now, long heldNanos) {
        StreamReader r = reader;
        return r != null && r.replaceReaderIfWriting(now, heldNanos);
    }

    @Override
    public long readerWritingSince() {
        StreamReader r = reader;
        return r == null ? 0 : r.readerWritingSince();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The new thread continues with the same stream (see {@link StreamReader}).
     */
    @Override
    public boolean replaceReader() {
        StreamReader r = reader;
        return r != null && r.replaceReader();
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
            join(reader.current());
        } finally {
            terminated.complete(null);
        }
    }

    /** On the reader, once stdout has ended or reading it failed: ends the process tree if need be. */
    private TransportClosed ended(Throwable failure) {
        if (failure instanceof LineTooLongException e) {
            log.error("app-server sent a line longer than {} bytes; closing the connection", e.maxLineBytes());
            destroyTree(true);
            return afterEndOfOutput(e);
        }
        if (failure instanceof IOException) {
            return afterEndOfOutput(closeRequested.get() ? null : failure);
        }
        if (failure != null) {
            log.error("stdout reader failed unexpectedly", failure);
            destroyTree(true);
        }
        return afterEndOfOutput(failure);
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

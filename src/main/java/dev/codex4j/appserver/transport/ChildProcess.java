package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One spawned app-server process as both transports see it: started with its environment, its stderr drained
 * continuously into SLF4J and a bounded tail (redacted), and ended as a whole tree: SIGTERM, then SIGKILL, to
 * the process and every descendant it was ever seen with. {@link StdioTransport} talks to it over its pipes;
 * {@link LocalWebSocketServer} over a WebSocket port. Knows nothing of what either says to it.
 */
final class ChildProcess {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Logger stderrLog = LoggerFactory.getLogger("dev.codex4j.appserver.codex.stderr");
    static final Duration THREAD_JOIN = Duration.ofSeconds(2);

    private final Process process;
    private final SecretRedactor redactor;
    private final DiagnosticTail tail;
    private final Thread stderrThread;
    private final Consumer<String> stderrObserver;
    private volatile List<ProcessHandle> knownDescendants = List.of();
    private volatile boolean ending;

    private ChildProcess(Process process, SecretRedactor redactor, int tailLines, int tailLineChars,
            Consumer<String> stderrObserver) {
        this.process = process;
        this.redactor = redactor;
        this.tail = new DiagnosticTail(tailLines, tailLineChars);
        this.stderrObserver = stderrObserver;
        int maxLineBytes = tailLineChars * 4;
        this.stderrThread = daemon("codex4j-stderr-" + process.pid(), () -> drainStderr(maxLineBytes));
    }

    /**
     * Spawns {@code command} and starts draining its stderr on {@code codex4j-stderr-<pid>}.
     *
     * @param stderrObserver sees each stderr line (ANSI colours removed, secrets redacted) after the tail has it
     * @throws IOException naming the (redacted) command if it cannot be started
     */
    static ChildProcess start(List<String> command, Map<String, String> environment, boolean inheritEnvironment,
            Path workingDirectory, SecretRedactor redactor, int tailLines, int tailLineChars,
            Consumer<String> stderrObserver) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        if (!inheritEnvironment) {
            builder.environment().clear();
        }
        builder.environment().putAll(environment);
        Process started;
        try {
            started = builder.start();
        } catch (IOException e) {
            throw new IOException("cannot start " + redactor.redact(String.join(" ", command)) + ": "
                    + e.getMessage(), e);
        }
        ChildProcess child = new ChildProcess(started, redactor, tailLines, tailLineChars, stderrObserver);
        child.stderrThread.start();
        return child;
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    /** The last stderr lines, secrets redacted; oldest first. */
    List<String> tail() {
        return tail.snapshot();
    }

    /** From now on a failing stderr read is expected (the process is being ended) and not logged. */
    void ending() {
        ending = true;
    }

    /** Whether it exited within {@code timeout}. */
    boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** The exit code, or {@code null} while it runs. */
    Integer exitCodeIfExited() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** Notes its descendants now, so that they are ended with it even once it is gone (and they are orphans). */
    void rememberDescendants() {
        List<ProcessHandle> all = new ArrayList<>(knownDescendants);
        process.descendants().forEach(all::add);
        knownDescendants = List.copyOf(all);
    }

    /** SIGTERM (or, {@code forcibly}, SIGKILL) to the process and every descendant known. */
    void destroyTree(boolean forcibly) {
        rememberDescendants();
        if (forcibly) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        for (ProcessHandle child : knownDescendants) {
            if (forcibly) {
                child.destroyForcibly();
            } else {
                child.destroy();
            }
        }
    }

    /**
     * Ends it for good, once it had its chance to leave by itself: SIGTERM to the tree, {@code terminateTimeout}
     * to exit, SIGKILL; then the descendants that outlived it the same way, and the stderr drain. Returns once
     * nothing is left running (or the waits ran out).
     */
    void terminate(Duration terminateTimeout) {
        ending = true;
        if (process.isAlive()) {
            log.debug("app-server pid {} still running; terminating", process.pid());
            destroyTree(false);
            if (!waitFor(terminateTimeout)) {
                log.warn("app-server pid {} ignored SIGTERM for {}; killing", process.pid(), terminateTimeout);
                destroyTree(true);
                waitFor(terminateTimeout);
            }
        }
        killSurvivingDescendants(terminateTimeout);
        join(stderrThread, THREAD_JOIN);
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
    }

    /** Lets the stderr drain catch up (for at most {@code timeout}) before the tail goes into an error message. */
    void settleStderr(Duration timeout) {
        join(stderrThread, timeout);
    }

    private void killSurvivingDescendants(Duration terminateTimeout) {
        List<ProcessHandle> alive = knownDescendants.stream().filter(ProcessHandle::isAlive).toList();
        if (alive.isEmpty()) {
            return;
        }
        alive.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + terminateTimeout.toNanos();
        for (ProcessHandle h : alive) {
            long left = deadline - System.nanoTime();
            if (!awaitQuietly(h.onExit(), Duration.ofNanos(Math.max(0, left)))) {
                h.destroyForcibly();
                awaitQuietly(h.onExit(), terminateTimeout);
            }
        }
    }

    private void drainStderr(int maxLineBytes) {
        InputStream err = process.getErrorStream();
        byte[] buffer = new byte[16 * 1024];
        StderrLines lines = new StderrLines(maxLineBytes, this::onStderrLine);
        try {
            int n;
            while ((n = err.read(buffer)) != -1) {
                lines.feed(buffer, n);
            }
            lines.finish();
        } catch (IOException e) {
            if (!ending) {
                log.debug("stderr drain ended: {}", e.toString());
            }
        }
    }

    private void onStderrLine(String raw) {
        String line = redactor.redact(StderrLines.stripAnsi(raw));
        tail.add(line);
        if (line.contains(" ERROR ")) {
            stderrLog.warn("{}", line);
        } else if (line.contains(" WARN ")) {
            stderrLog.info("{}", line);
        } else {
            stderrLog.debug("{}", line);
        }
        if (stderrObserver != null) {
            stderrObserver.accept(line);
        }
    }

    static boolean awaitQuietly(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return future.isDone();
        } catch (Exception e) {
            return true;
        }
    }

    static void join(Thread t, Duration timeout) {
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a pipe to a process that is already gone
        }
    }
}

package dev.codex4j.appserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.transport.ReplaceableReader;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportClosed;
import dev.codex4j.appserver.transport.TransportListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * A transport with a scripted server on the other end, for client logic that needs no process. Lines the
 * test "sends from the server" are delivered on one dedicated reader thread, in order, like the real reader,
 * each line followed by {@code onBatchEnd}; a reader held in either can be replaced ({@link #replaceReader()}).
 */
public final class InMemoryTransport implements Transport, ReplaceableReader {

    public static final String READER_THREAD = "in-memory-reader";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<String> written = new LinkedBlockingQueue<>();
    /** What the reader thread does next; a step returns {@code false} when its thread must leave. */
    private interface Step {
        boolean run();
    }

    private final BlockingQueue<Step> inbox = new LinkedBlockingQueue<>();
    private final AtomicReference<Thread> inListener = new AtomicReference<>();
    private final AtomicInteger readers = new AtomicInteger();
    private volatile boolean inLine;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile TransportListener listener;
    private volatile List<String> stderr = List.of();
    private volatile Consumer<String> onWrite = line -> { };

    @Override
    public void start(TransportListener listener) {
        this.listener = listener;
        startReader(READER_THREAD, () -> true);
    }

    @Override
    public boolean replaceReader() {
        Thread held = inListener.get();
        if (held == null || !inListener.compareAndSet(held, null)) {
            return false;
        }
        // held in onLine: the new reader ends that line's batch first, as the held one would have
        startReader(READER_THREAD + "-" + (readers.get() + 1), inLine ? this::endBatch : () -> true);
        return true;
    }

    /** Writes are never held here: nothing to replace. */
    @Override
    public boolean replaceReaderIfWriting(long now, long heldNanos) {
        return false;
    }

    @Override
    public long readerWritingSince() {
        return 0;
    }

    private void startReader(String name, Step first) {
        readers.incrementAndGet();
        Thread t = new Thread(() -> read(first), name);
        t.setDaemon(true);
        t.start();
    }

    private void read(Step first) {
        try {
            if (!first.run()) {
                return;
            }
            while (inbox.take().run()) {
                // next step
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How many reader threads have run so far (more than one once a held reader was replaced). */
    public int readerThreads() {
        return readers.get();
    }

    @Override
    public void send(byte[] message) throws IOException {
        if (ended.get()) {
            throw new IOException("closed");
        }
        String line = new String(message, StandardCharsets.UTF_8);
        onWrite.accept(line);
        written.add(line);
    }

    /**
     * Runs {@code hook} on the client's writing thread with each line it writes, before {@link #nextWritten()}
     * can see the line: to stage what the server does while the client is still in the middle of a write.
     */
    public void onWrite(Consumer<String> hook) {
        this.onWrite = hook;
    }

    @Override
    public List<String> diagnosticTail() {
        return stderr;
    }

    @Override
    public void close(Duration grace) {
        end(new TransportClosed("closed by client", 0, stderr, true, null));
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /** The server writes this line to the client. */
    public void serverSends(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        inbox.add(() -> {
            Thread self = Thread.currentThread();
            inLine = true;
            inListener.set(self);
            listener.onLine(bytes, 0, bytes.length);
            return inListener.compareAndSet(self, null) && endBatch();
        });
    }

    private boolean endBatch() {
        Thread self = Thread.currentThread();
        inLine = false;
        inListener.set(self);
        listener.onBatchEnd();
        return inListener.compareAndSet(self, null);
    }

    /** The server process dies with this exit code, after writing these stderr lines. */
    public void serverExits(int exitCode, String... stderrLines) {
        stderr = List.of(stderrLines);
        end(new TransportClosed("app-server process exited", exitCode, stderr, false, null));
    }

    /** The next line the client wrote, waiting up to 5 s. */
    public String nextWritten() {
        try {
            String line = written.poll(5, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("the client wrote nothing within 5 s");
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The next line the client wrote, parsed. */
    public JsonNode nextWrittenJson() {
        try {
            return JSON.readTree(nextWritten());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Lines written and not yet taken by {@link #nextWritten()}. */
    public List<String> drainWritten() {
        List<String> lines = new java.util.ArrayList<>();
        written.drainTo(lines);
        return lines;
    }

    /** Waits until every line sent so far has been handed to the client. */
    public void awaitDelivered() {
        try {
            CompletableFuture<Void> reached = new CompletableFuture<>();
            inbox.add(() -> reached.complete(null) || true);
            reached.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Answers the client's initialize request and consumes its initialized notification. */
    public void completeHandshake() {
        JsonNode initialize = nextWrittenJson();
        if (!"initialize".equals(initialize.path("method").asText())) {
            throw new AssertionError("expected initialize, got " + initialize);
        }
        serverSends("{\"id\":" + initialize.get("id") + ",\"result\":{\"userAgent\":\"fake/0.0.0\","
                + "\"codexHome\":\"/tmp/fake\",\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}}");
        JsonNode initialized = nextWrittenJson();
        if (!"initialized".equals(initialized.path("method").asText())) {
            throw new AssertionError("expected initialized, got " + initialized);
        }
    }

    private void end(TransportClosed closed) {
        if (ended.compareAndSet(false, true)) {
            CompletableFuture<Void> told = new CompletableFuture<>();
            inbox.add(() -> {
                listener.onClosed(closed);
                told.complete(null);
                return false; // the reader's last step
            });
            try {
                told.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }
}

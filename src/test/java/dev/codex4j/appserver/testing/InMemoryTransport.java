package dev.codex4j.appserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportClosed;
import dev.codex4j.appserver.transport.TransportListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A transport with a scripted server on the other end, for client logic that needs no process. Lines the
 * test "sends from the server" are delivered on one dedicated reader thread, in order, like the real reader.
 */
public final class InMemoryTransport implements Transport {

    public static final String READER_THREAD = "in-memory-reader";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BlockingQueue<String> written = new LinkedBlockingQueue<>();
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, READER_THREAD);
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile TransportListener listener;
    private volatile List<String> stderr = List.of();

    @Override
    public void start(TransportListener listener) {
        this.listener = listener;
    }

    @Override
    public void send(byte[] message) throws IOException {
        if (ended.get()) {
            throw new IOException("closed");
        }
        written.add(new String(message, StandardCharsets.UTF_8));
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
        reader.execute(() -> {
            listener.onLine(bytes, 0, bytes.length);
            listener.onBatchEnd();
        });
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
            reader.submit(() -> {}).get(5, TimeUnit.SECONDS);
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
            try {
                reader.submit(() -> listener.onClosed(closed)).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            reader.shutdown();
        }
    }
}

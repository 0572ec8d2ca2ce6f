package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What a user would write by hand instead of using the library, as the yardstick for the benchmarks: spawn
 * {@code <executable> app-server}, a reader thread doing {@code BufferedReader.readLine()} +
 * {@code ObjectMapper.readTree()}, a {@code ConcurrentHashMap<Long, CompletableFuture<JsonNode>>} for
 * requests, and notifications handed to the listeners on the reader thread (decoded with
 * {@code mapper.treeToValue} for typed listeners). No buffering, no overflow policy, no error handling beyond
 * failing what is pending on EOF.
 */
public final class Baseline implements AutoCloseable {

    /** Receives a notification on the reader thread. */
    public interface Listener {
        void onNotification(String method, JsonNode params);
    }

    private final ObjectMapper mapper =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ConcurrentHashMap<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private final Process process;
    private final OutputStream out;
    private final Thread reader;

    private Baseline(Process process) {
        this.process = process;
        this.out = process.getOutputStream();
        this.reader = new Thread(this::read, "baseline-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Spawns {@code <executable> app-server} and runs the initialize handshake. */
    public static Baseline start(Path executable) throws IOException {
        Process process = new ProcessBuilder(executable.toString(), "app-server")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Baseline baseline = new Baseline(process);
        Map<String, Object> clientInfo = Map.of("name", "baseline", "title", "Baseline", "version", "0");
        baseline.request("initialize", Map.of("clientInfo", clientInfo,
                "capabilities", Map.of("experimentalApi", false))).join();
        baseline.notify("initialized", null);
        return baseline;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Sends a request; the future completes on the reader thread with the result. */
    public CompletableFuture<JsonNode> request(String method, Object params) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        pending.put(id, future);
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("method", method);
        if (params != null) {
            message.put("params", params);
        }
        try {
            write(mapper.writeValueAsBytes(message));
        } catch (IOException e) {
            pending.remove(id);
            future.completeExceptionally(e);
        }
        return future;
    }

    public void notify(String method, Object params) throws IOException {
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("method", method);
        if (params != null) {
            message.put("params", params);
        }
        write(mapper.writeValueAsBytes(message));
    }

    /** Adds a listener for every notification; returns what removes it. */
    public Runnable listen(Listener listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Adds a listener for one method, decoding its params with {@code treeToValue}; returns what removes it. */
    public <T> Runnable listen(String method, Class<T> type, Consumer<? super T> consumer) {
        return listen((m, params) -> {
            if (m.equals(method)) {
                try {
                    consumer.accept(mapper.treeToValue(params, type));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    private void write(byte[] bytes) throws IOException {
        synchronized (out) {
            out.write(bytes);
            out.write('\n');
            out.flush();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                JsonNode node = mapper.readTree(line);
                JsonNode method = node.get("method");
                JsonNode id = node.get("id");
                if (method == null) {
                    CompletableFuture<JsonNode> future = pending.remove(id.asLong());
                    if (future != null) {
                        JsonNode error = node.get("error");
                        if (error != null) {
                            future.completeExceptionally(new IllegalStateException("error response: " + error));
                        } else {
                            future.complete(node.get("result"));
                        }
                    }
                } else if (id == null) {
                    String name = method.asText();
                    JsonNode params = node.get("params");
                    for (Listener listener : listeners) {
                        listener.onNotification(name, params);
                    }
                }
                // server requests: the benchmark server sends none
            }
        } catch (IOException | RuntimeException e) {
            failPending(e);
            return;
        }
        failPending(new IOException("app-server closed its stdout"));
    }

    private void failPending(Throwable cause) {
        for (Long id : List.copyOf(pending.keySet())) {
            CompletableFuture<JsonNode> future = pending.remove(id);
            if (future != null) {
                future.completeExceptionally(cause);
            }
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

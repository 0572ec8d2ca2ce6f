package dev.codex4j.appserver.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the benchmarks' baselines share, the part a user writes the same whatever carries the messages: a
 * {@code ConcurrentHashMap<Long, CompletableFuture<JsonNode>>} for requests, listeners called on the thread that
 * read the message (typed ones decoding with {@code mapper.treeToValue}), the initialize handshake. The
 * subclasses ({@link Baseline} over stdio, {@link WebSocketBaseline} over the JDK's WebSocket) send and read.
 */
public abstract class HandWrittenClient implements AutoCloseable {

    /** Receives a notification on the thread that read it. */
    public interface Listener {
        void onNotification(String method, JsonNode params);
    }

    protected final ObjectMapper mapper =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ConcurrentHashMap<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();

    /** Sends one message (a map of {@code id}, {@code method}, {@code params}). */
    protected abstract void send(Map<String, Object> message) throws IOException;

    public ObjectMapper mapper() {
        return mapper;
    }

    /** The initialize request and the initialized notification. */
    protected void handshake() throws IOException {
        Map<String, Object> clientInfo = Map.of("name", "baseline", "title", "Baseline", "version", "0");
        request("initialize", Map.of("clientInfo", clientInfo, "capabilities", Map.of("experimentalApi", false)))
                .join();
        notify("initialized", null);
    }

    /** Sends a request; the future completes on the reading thread with the result. */
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
            send(message);
        } catch (IOException | RuntimeException e) {
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
        send(message);
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

    /** One message read and parsed: a response completes its future, a notification goes to every listener. */
    protected void dispatch(JsonNode node) {
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

    protected void failPending(Throwable cause) {
        for (Long id : List.copyOf(pending.keySet())) {
            CompletableFuture<JsonNode> future = pending.remove(id);
            if (future != null) {
                future.completeExceptionally(cause);
            }
        }
    }

    @Override
    public abstract void close();
}

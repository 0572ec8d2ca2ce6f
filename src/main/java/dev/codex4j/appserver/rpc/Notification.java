package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;

/**
 * A notification from the server, e.g. {@code turn/started} or {@code item/agentMessage/delta}.
 *
 * <p>A notification read from the wire keeps its params as the raw JSON bytes and builds the
 * {@link #params()} tree only when someone asks for it, once; {@link #params(ObjectReader)} decodes straight
 * from the bytes into a type without a tree, once per type. Most notifications are streamed deltas that a
 * subscriber decodes into a record or only counts, so neither pays for the other. Instances are immutable
 * and safe to share between threads.
 */
public final class Notification implements IncomingMessage {

    private static final VarHandle TREE;
    private static final VarHandle DECODED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TREE = lookup.findVarHandle(Notification.class, "tree", JsonNode.class);
            DECODED = lookup.findVarHandle(Notification.class, "decoded", Decoded.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The last typed decoding of the params; one slot is enough: a notification has one type. */
    private record Decoded(JavaType type, Object value) {}

    private final String method;
    private final Long emittedAtMs;
    /** The params' raw JSON, or {@code null} when the tree was given. */
    private final byte[] raw;
    private final ObjectMapper rawMapper;
    @SuppressWarnings("unused") // through TREE
    private volatile JsonNode tree;
    @SuppressWarnings("unused") // through DECODED
    private volatile Decoded decoded;

    /**
     * @param method the notification's method name
     * @param params its parameters; {@code null} stands for a JSON null node
     * @param emittedAtMs the server's {@code emittedAtMs} timestamp (epoch milliseconds), or {@code null}
     */
    public Notification(String method, JsonNode params, Long emittedAtMs) {
        this.method = Objects.requireNonNull(method, "method");
        this.tree = params == null ? NullNode.getInstance() : params;
        this.emittedAtMs = emittedAtMs;
        this.raw = null;
        this.rawMapper = null;
    }

    public Notification(String method, JsonNode params) {
        this(method, params, null);
    }

    /** A notification whose params are {@code rawParams} (JSON, UTF-8; {@code null} if absent), read on demand. */
    static Notification ofRaw(String method, byte[] rawParams, Long emittedAtMs, ObjectMapper mapper) {
        return new Notification(method, rawParams, emittedAtMs, mapper);
    }

    private Notification(String method, byte[] raw, Long emittedAtMs, ObjectMapper mapper) {
        this.method = method;
        this.emittedAtMs = emittedAtMs;
        this.raw = raw;
        this.rawMapper = mapper;
        if (raw == null) {
            this.tree = NullNode.getInstance();
        }
    }

    /** The notification's method name. */
    public String method() {
        return method;
    }

    /**
     * Its parameters as a tree; a JSON null node when the server sent none (never Java {@code null}).
     *
     * @throws UncheckedIOException if the raw params turn out not to be valid JSON (the line's structure was
     *     checked when it was read, its string contents only now)
     */
    public JsonNode params() {
        JsonNode node = (JsonNode) TREE.getAcquire(this);
        if (node != null) {
            return node;
        }
        JsonNode parsed;
        try {
            parsed = rawMapper.readTree(raw);
        } catch (IOException e) {
            throw new UncheckedIOException("the params of '" + method + "' are not valid JSON: " + e.getMessage(), e);
        }
        JsonNode witness = (JsonNode) TREE.compareAndExchangeRelease(this, null, parsed);
        return witness == null ? parsed : witness; // every caller sees the same tree
    }

    /**
     * Its parameters decoded by {@code reader} (which names the target type), from the raw bytes when no tree
     * has been built. The result is kept, so subscribers asking for the same type share one decoding.
     *
     * @throws IOException if the params do not fit the type
     */
    @SuppressWarnings("unchecked")
    public <T> T params(ObjectReader reader) throws IOException {
        JavaType type = reader.getValueType();
        Decoded last = (Decoded) DECODED.getAcquire(this);
        if (last != null && last.type.equals(type)) {
            return (T) last.value;
        }
        JsonNode node = (JsonNode) TREE.getAcquire(this);
        T value = node != null ? reader.readValue(node) : reader.readValue(raw);
        DECODED.setRelease(this, new Decoded(type, value));
        return value;
    }

    /** The server's {@code emittedAtMs} timestamp (epoch milliseconds), or {@code null} when absent. */
    public Long emittedAtMs() {
        return emittedAtMs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Notification other && method.equals(other.method)
                && Objects.equals(emittedAtMs, other.emittedAtMs) && params().equals(other.params());
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, params(), emittedAtMs);
    }

    @Override
    public String toString() {
        return "Notification[method=" + method + ", params=" + params() + ", emittedAtMs=" + emittedAtMs + "]";
    }
}

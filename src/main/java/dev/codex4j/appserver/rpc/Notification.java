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

    private static final VarHandle DECODED;

    static {
        try {
            DECODED = MethodHandles.lookup().findVarHandle(Notification.class, "decoded", Decoded.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The last typed decoding of the params; one slot is enough: a notification has one type. */
    private record Decoded(JavaType type, Object value) {}

    private final String method;
    private final Long emittedAtMs;
    private final LazyJson params;
    @SuppressWarnings("unused") // through DECODED
    private volatile Decoded decoded;

    /**
     * @param method the notification's method name
     * @param params its parameters; {@code null} stands for a JSON null node
     * @param emittedAtMs the server's {@code emittedAtMs} timestamp (epoch milliseconds), or {@code null}
     */
    public Notification(String method, JsonNode params, Long emittedAtMs) {
        this(Objects.requireNonNull(method, "method"),
                LazyJson.ofTree(params == null ? NullNode.getInstance() : params), emittedAtMs);
    }

    public Notification(String method, JsonNode params) {
        this(method, params, null);
    }

    private Notification(String method, LazyJson params, Long emittedAtMs) {
        this.method = method;
        this.params = params;
        this.emittedAtMs = emittedAtMs;
    }

    /**
     * A notification whose params are {@code rawParams} (JSON, UTF-8; {@code null} if absent), read by
     * {@code mapper} only when asked. The caller has checked the bytes' syntax and hands them over: they are
     * not copied, so they must not change afterwards.
     */
    public static Notification ofRaw(String method, byte[] rawParams, Long emittedAtMs, ObjectMapper mapper) {
        return new Notification(method,
                rawParams == null ? LazyJson.ofTree(NullNode.getInstance()) : LazyJson.ofRaw(rawParams, mapper),
                emittedAtMs);
    }

    /** The notification's method name. */
    public String method() {
        return method;
    }

    /**
     * Its parameters as a tree; a JSON null node when the server sent none (never Java {@code null}).
     *
     * @throws UncheckedIOException if the raw params turn out not to be valid JSON after all
     */
    public JsonNode params() {
        return params.tree("the params of", method);
    }

    /**
     * Its parameters decoded by {@code reader} (which names the target type), from the raw bytes when no tree
     * has been built. The result is kept, so subscribers asking for the same type share one decoding.
     *
     * @throws IOException if the params do not fit the type
     */
    @SuppressWarnings("unchecked")
    public <T> T params(ObjectReader reader) throws IOException {
        JavaType type = Objects.requireNonNull(reader, "reader").getValueType();
        Decoded last = (Decoded) DECODED.getAcquire(this);
        if (last != null && last.type.equals(type)) {
            return (T) last.value;
        }
        T value = params.read(reader);
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

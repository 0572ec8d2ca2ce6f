package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Objects;

/**
 * The server's answer to one of the client's requests: exactly one of {@code result} and {@code error} is
 * set ({@code result} may be a JSON null node).
 *
 * <p>A response read from the wire keeps an object or array result as raw JSON and builds its tree on the
 * first {@link #result()} call, on the thread that completes the request rather than on the reader.
 * Instances are safe to share between threads.
 */
public final class Response implements IncomingMessage {

    private final RequestId id;
    private final JsonRpcError error;
    /** {@code null} for an error response. */
    private final LazyJson result;

    public Response(RequestId id, JsonNode result, JsonRpcError error) {
        this(id, result == null ? null : LazyJson.ofTree(result), error);
    }

    private Response(RequestId id, LazyJson result, JsonRpcError error) {
        this.id = Objects.requireNonNull(id, "id");
        this.result = result;
        this.error = error;
    }

    /**
     * A successful response whose result is {@code rawResult} (a JSON object or array, UTF-8), read by
     * {@code mapper} only when asked. The bytes are not copied and must not change afterwards.
     */
    public static Response ofRaw(RequestId id, byte[] rawResult, ObjectMapper mapper) {
        return new Response(id, LazyJson.ofRaw(Objects.requireNonNull(rawResult, "rawResult"), mapper), null);
    }

    /**
     * How many bytes of the result are still raw JSON, to be read into a tree on the first {@link #result()}:
     * a thread that must stay responsive can leave that to another.
     */
    public int unreadResultBytes() {
        return result == null ? 0 : result.unreadBytes();
    }

    public RequestId id() {
        return id;
    }

    /** The result; {@code null} for an error response, a JSON null node for a {@code null} result. */
    public JsonNode result() {
        return result == null ? null : result.tree("the result of response", id);
    }

    public JsonRpcError error() {
        return error;
    }

    public boolean isError() {
        return error != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Response other && id.equals(other.id) && Objects.equals(result(), other.result())
                && Objects.equals(error, other.error);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, result(), error);
    }

    @Override
    public String toString() {
        return "Response[id=" + id + ", result=" + result() + ", error=" + error + "]";
    }
}

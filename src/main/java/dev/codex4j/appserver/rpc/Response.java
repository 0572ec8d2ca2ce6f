package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    private final byte[] raw;
    private final ObjectMapper rawMapper;
    private volatile JsonNode result;

    public Response(RequestId id, JsonNode result, JsonRpcError error) {
        this.id = Objects.requireNonNull(id, "id");
        this.result = result;
        this.error = error;
        this.raw = null;
        this.rawMapper = null;
    }

    private Response(RequestId id, byte[] rawResult, ObjectMapper mapper) {
        this.id = id;
        this.error = null;
        this.raw = rawResult;
        this.rawMapper = mapper;
    }

    /** A successful response whose result is {@code rawResult} (a JSON object or array, UTF-8). */
    static Response ofRaw(RequestId id, byte[] rawResult, ObjectMapper mapper) {
        return new Response(id, Objects.requireNonNull(rawResult, "rawResult"), mapper);
    }

    public RequestId id() {
        return id;
    }

    /** The result; {@code null} for an error response, a JSON null node for a {@code null} result. */
    public JsonNode result() {
        JsonNode node = result;
        if (node == null && raw != null) {
            try {
                node = rawMapper.readTree(raw);
            } catch (IOException e) { // its syntax was checked when the line was read
                throw new UncheckedIOException("the result of response " + id + " is not valid JSON", e);
            }
            result = node; // racing callers may each parse; both trees are equal
        }
        return node;
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

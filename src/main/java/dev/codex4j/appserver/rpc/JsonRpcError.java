package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * A JSON-RPC error object.
 *
 * @param code the error code, e.g. {@value #METHOD_NOT_FOUND}
 * @param message the human-readable message
 * @param data extra detail, or {@code null} when the server sent none
 */
public record JsonRpcError(int code, String message, JsonNode data) {

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    /** codex's answer when it is overloaded: retry later with backoff. */
    public static final int SERVER_OVERLOADED = -32001;

    public JsonRpcError {
        Objects.requireNonNull(message, "message");
    }

    public static JsonRpcError methodNotFound(String method) {
        return new JsonRpcError(METHOD_NOT_FOUND, "method not found: " + method, null);
    }
}

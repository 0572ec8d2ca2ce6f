package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.JsonRpcError;

/** The app-server answered a request with a JSON-RPC error. */
public class JsonRpcErrorException extends AppServerException {

    private final String method;
    private final JsonRpcError error;

    public JsonRpcErrorException(String method, JsonRpcError error) {
        this(method, error, "'" + method + "' failed with JSON-RPC error " + error.code() + ": " + error.message());
    }

    /** For subclasses that say more than the error itself. */
    protected JsonRpcErrorException(String method, JsonRpcError error, String message) {
        super(message);
        this.method = method;
        this.error = error;
    }

    /** The method of the request that failed. */
    public String method() {
        return method;
    }

    public int code() {
        return error.code();
    }

    public String errorMessage() {
        return error.message();
    }

    /** The error's {@code data}, or {@code null} when the server sent none. */
    public JsonNode data() {
        return error.data();
    }

    public JsonRpcError error() {
        return error;
    }
}

package dev.codex4j.appserver.rpc;

import dev.codex4j.appserver.rpc.JsonRpcError;
import java.time.Duration;

/**
 * The server kept answering a request with JSON-RPC error {@code -32001} (overloaded) until the
 * {@link OverloadRetryPolicy} budget was spent. The request was never acted on; it is safe to send it again later.
 */
public final class ServerOverloadedException extends JsonRpcErrorException {

    private final int attempts;
    private final Duration elapsed;

    public ServerOverloadedException(String method, JsonRpcError lastError, int attempts, Duration elapsed) {
        super(method, lastError, "'" + method + "' refused by an overloaded app-server " + attempts
                + (attempts == 1 ? " time" : " times") + " in " + elapsed.toMillis() + " ms; giving up (JSON-RPC error "
                + lastError.code() + ": " + lastError.message() + ")");
        this.attempts = attempts;
        this.elapsed = elapsed;
    }

    /** How many times the request was sent. */
    public int attempts() {
        return attempts;
    }

    /** The time from the first attempt until the client gave up. */
    public Duration elapsed() {
        return elapsed;
    }
}

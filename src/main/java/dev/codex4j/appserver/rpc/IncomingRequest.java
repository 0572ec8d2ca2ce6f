package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;

/**
 * A request the server sends to the client, such as {@code item/commandExecution/requestApproval}. The
 * server waits for exactly one reply to it and has no timeout of its own.
 */
public record IncomingRequest(RequestId id, String method, JsonNode params) implements IncomingMessage {

    public IncomingRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(method, "method");
        params = params == null ? NullNode.getInstance() : params;
    }
}

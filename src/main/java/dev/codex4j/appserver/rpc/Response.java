package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The server's answer to one of the client's requests: exactly one of {@code result} and {@code error} is
 * set ({@code result} may be a JSON null node).
 */
public record Response(RequestId id, JsonNode result, JsonRpcError error) implements IncomingMessage {

    public boolean isError() {
        return error != null;
    }
}

package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/** What the client answers to an {@link IncomingRequest}: a result or a JSON-RPC error. */
public sealed interface ServerRequestReply permits ServerRequestReply.Result, ServerRequestReply.Error {

    /** A successful reply; {@code value} is serialized with the client's object mapper. */
    static ServerRequestReply result(Object value) {
        return new Result(value);
    }

    static ServerRequestReply error(JsonRpcError error) {
        return new Error(error);
    }

    /** @param value any value the client's object mapper can write: a record, a map or a {@link JsonNode} */
    record Result(Object value) implements ServerRequestReply {}

    record Error(JsonRpcError error) implements ServerRequestReply {
        public Error {
            Objects.requireNonNull(error, "error");
        }
    }
}

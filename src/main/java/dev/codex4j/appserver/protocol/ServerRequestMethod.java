package dev.codex4j.appserver.protocol;

import java.util.Objects;

/**
 * A request the app-server sends to the client (approvals, user input, tool calls...): its method
 * name, the Java type of its {@code params} and of the response the client must send back.
 * Constants live in the generated {@link ServerRequests}.
 *
 * @param name the JSON-RPC method name, e.g. {@code item/commandExecution/requestApproval}
 * @param paramsType the params type
 * @param responseType the type of the {@code result} the client answers with
 * @param experimental whether the request exists only in the experimental API
 * @param <P> params type
 * @param <R> response type
 */
public record ServerRequestMethod<P, R>(
        String name, Class<P> paramsType, Class<R> responseType, boolean experimental) {
    public ServerRequestMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(paramsType, "paramsType");
        Objects.requireNonNull(responseType, "responseType");
    }
}

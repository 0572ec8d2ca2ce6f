package dev.codex4j.appserver.protocol;

import java.util.Objects;

/**
 * A request the client sends to the app-server: its JSON-RPC method name, the Java type of its
 * {@code params} and of its {@code result}. Constants live in the generated {@link ClientMethods}.
 *
 * <p>{@code paramsType} is {@link Void} for methods whose schema declares no params (the request is
 * sent without a {@code params} member; pass {@code null}). When {@code paramsRequired} is false and
 * the type is not {@code Void}, params are optional: {@code null} means "omit".
 *
 * @param name the JSON-RPC method name, e.g. {@code thread/start}
 * @param paramsType the params type, or {@code Void.class} when the method takes none
 * @param resultType the type of the response's {@code result}
 * @param paramsRequired whether the schema requires the {@code params} member
 * @param experimental whether the method exists only in the experimental API
 * @param <P> params type
 * @param <R> result type
 */
public record ClientMethod<P, R>(
        String name, Class<P> paramsType, Class<R> resultType, boolean paramsRequired, boolean experimental) {
    public ClientMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(paramsType, "paramsType");
        Objects.requireNonNull(resultType, "resultType");
    }

    /** Whether the method takes no params at all ({@code paramsType == Void.class}). */
    public boolean hasNoParams() {
        return paramsType == Void.class;
    }
}

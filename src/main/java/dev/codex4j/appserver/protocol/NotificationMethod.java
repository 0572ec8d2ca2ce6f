package dev.codex4j.appserver.protocol;

import java.util.Objects;

/**
 * A JSON-RPC notification: its method name and the Java type of its {@code params}. Server
 * notifications are listed in the generated {@link ServerNotifications}, client notifications in
 * {@link ClientNotifications}. {@code payloadType} is {@link Void} when the notification has no params.
 *
 * @param name the JSON-RPC method name, e.g. {@code turn/completed}
 * @param payloadType the params type
 * @param experimental whether the notification exists only in the experimental API
 * @param <T> params type
 */
public record NotificationMethod<T>(String name, Class<T> payloadType, boolean experimental) {
    public NotificationMethod {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(payloadType, "payloadType");
    }
}

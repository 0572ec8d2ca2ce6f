package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Objects;

/**
 * A notification from the server, e.g. {@code turn/started} or {@code item/agentMessage/delta}.
 *
 * @param method the notification's method name
 * @param params its parameters; a JSON null node when the server sent none (never Java {@code null})
 * @param emittedAtMs the server's {@code emittedAtMs} timestamp (epoch milliseconds), or {@code null} when
 *     absent
 */
public record Notification(String method, JsonNode params, Long emittedAtMs) implements IncomingMessage {

    public Notification {
        Objects.requireNonNull(method, "method");
        params = params == null ? NullNode.getInstance() : params;
    }

    public Notification(String method, JsonNode params) {
        this(method, params, null);
    }
}

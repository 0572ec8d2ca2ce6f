package dev.codex4j.appserver;

import dev.codex4j.appserver.transport.SecretRedactor;
import dev.codex4j.appserver.transport.WebSocketOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The WebSocket options an {@link AppServerClientBuilder} collects (kept apart from its stdio options), and the
 * check at {@code build()} that the two kinds are not mixed.
 */
final class WebSocketSettings {

    URI uri;
    Supplier<String> bearerToken;
    String literalBearerToken;
    Map<String, String> headers = Map.of();
    Duration connectTimeout;
    Duration pingInterval;
    SSLContext sslContext;

    /**
     * The options for {@code webSocket(uri)}, or {@code null} when the client spawns codex over stdio.
     *
     * @param stdioOptionsSet the names of the stdio-only options that were set
     * @param customTransport whether {@code transport(...)} was set
     * @throws IllegalStateException when options of both kinds were set, or WebSocket options without a URI
     */
    WebSocketOptions options(List<String> stdioOptionsSet, boolean customTransport, int maxLineBytes,
            Duration shutdownGrace) {
        if (uri == null) {
            List<String> set = webSocketOptionsSet();
            if (!set.isEmpty()) {
                throw new IllegalStateException(String.join(", ", set)
                        + " apply to a WebSocket connection only: set webSocket(URI) too");
            }
            return null;
        }
        if (customTransport) {
            throw new IllegalStateException("webSocket(URI) and transport(...) both choose the transport: set one");
        }
        if (!stdioOptionsSet.isEmpty()) {
            throw new IllegalStateException(String.join(", ", stdioOptionsSet) + " configure a codex process the "
                    + "client spawns; with webSocket(URI) the client spawns nothing (start the server with "
                    + "`codex app-server --listen`, or LocalWebSocketServer)");
        }
        WebSocketOptions.Builder b = WebSocketOptions.builder(uri).headers(headers).maxMessageBytes(maxLineBytes)
                .closeTimeout(shutdownGrace);
        if (literalBearerToken != null) {
            b.bearerToken(literalBearerToken);
        } else if (bearerToken != null) {
            b.bearerToken(bearerToken);
        }
        if (connectTimeout != null) {
            b.connectTimeout(connectTimeout);
        }
        if (pingInterval != null) {
            b.pingInterval(pingInterval);
        }
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        return b.redactor(SecretRedactor.tokenShapesOnly()).build();
    }

    private List<String> webSocketOptionsSet() {
        List<String> set = new ArrayList<>();
        if (bearerToken != null) {
            set.add("bearerToken(...)");
        }
        if (!headers.isEmpty()) {
            set.add("webSocketHeaders(...)");
        }
        if (connectTimeout != null) {
            set.add("connectTimeout(...)");
        }
        if (pingInterval != null) {
            set.add("pingInterval(...)");
        }
        if (sslContext != null) {
            set.add("sslContext(...)");
        }
        return set;
    }
}

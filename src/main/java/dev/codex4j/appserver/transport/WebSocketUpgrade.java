package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Opening one {@link WebSocketTransport} connection: the JDK client on the transport's pool, the token (its
 * supplier asked once per attempt), the upgrade within the connect timeout, and a failure message that names
 * the endpoint and what went wrong (the JDK's own say little: no message on a refused upgrade or port).
 */
final class WebSocketUpgrade {

    private final WebSocketOptions options;

    WebSocketUpgrade(WebSocketOptions options) {
        this.options = options;
    }

    /** A JDK client whose callbacks run on {@code executor}, with the options' connect timeout and TLS. */
    HttpClient client(Executor executor) {
        HttpClient.Builder client = HttpClient.newBuilder().executor(executor).connectTimeout(options.connectTimeout());
        if (options.sslContext() != null) {
            client.sslContext(options.sslContext());
        }
        return client.build();
    }

    /**
     * Sends the upgrade (with {@code Authorization: Bearer <token>} when {@code token} is not null) and waits
     * for it.
     *
     * @throws IOException naming the endpoint and the cause (HTTP status and body of a refusal, a refused port,
     *     a timeout, TLS), {@code redactor} applied
     */
    WebSocket open(HttpClient http, String token, WebSocket.Listener listener, SecretRedactor redactor)
            throws IOException {
        WebSocket.Builder upgrade = http.newWebSocketBuilder().connectTimeout(options.connectTimeout());
        options.headers().forEach(upgrade::header);
        if (token != null) {
            upgrade.header("Authorization", "Bearer " + token);
        }
        return awaitOpen(upgrade.buildAsync(options.uri(), listener), redactor);
    }

    /** The token for this attempt (the supplier is asked now), or {@code null} without one. */
    String token() throws IOException {
        if (options.bearerToken() == null) {
            return null;
        }
        String token;
        try {
            token = options.bearerToken().get();
            WebSocketOptions.Builder.requireToken(token);
        } catch (RuntimeException e) {
            throw new IOException("no bearer token for " + options.endpoint() + ": "
                    + e.getClass().getSimpleName() + ": " + options.redactor().redact(e.getMessage()), e);
        }
        return token;
    }

    private WebSocket awaitOpen(CompletableFuture<WebSocket> opening, SecretRedactor redactor) throws IOException {
        Duration timeout = options.connectTimeout();
        try {
            // (the JDK applies the connect timeout to the TCP connect; the bound here covers TLS and the upgrade too)
            return opening.get(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            opening.cancel(true);
            throw new IOException("connecting to " + options.endpoint() + " timed out after " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            opening.cancel(true);
            throw new IOException("interrupted while connecting to " + options.endpoint(), e);
        } catch (ExecutionException e) {
            throw connectFailure(e.getCause(), redactor);
        }
    }

    /** The JDK says little (a null message on a refused upgrade or port): the message is written here. */
    private IOException connectFailure(Throwable cause, SecretRedactor redactor) {
        String text;
        if (cause instanceof WebSocketHandshakeException refused) {
            int status = refused.getResponse().statusCode();
            text = "the app-server at " + options.endpoint() + " refused the WebSocket upgrade with HTTP " + status
                    + body(refused.getResponse().body(), redactor)
                    + (status == 401 || status == 403 ? ": check the bearer token" : "");
        } else if (cause instanceof HttpTimeoutException) {
            text = "connecting to " + options.endpoint() + " timed out after " + options.connectTimeout();
        } else if (cause instanceof ConnectException) {
            text = "cannot connect to " + options.endpoint() + ": connection refused";
        } else if (cause instanceof SSLException) {
            text = "TLS with " + options.endpoint() + " failed: " + redactor.redact(cause.getMessage());
        } else {
            text = "cannot connect to " + options.endpoint() + ": " + redactor.redact(String.valueOf(cause));
        }
        return new IOException(text, cause);
    }

    private static String body(Object body, SecretRedactor redactor) {
        String text = body instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8)
                : body instanceof String s ? s : "";
        text = text.strip();
        if (text.isEmpty()) {
            return "";
        }
        return " (" + redactor.redact(DiagnosticTail.truncate(text, 200)) + ")";
    }
}

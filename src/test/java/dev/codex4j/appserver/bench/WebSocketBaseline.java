package dev.codex4j.appserver.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket twin of {@link Baseline}: what a user would write by hand over the JDK's
 * {@link java.net.http.WebSocket}, following its Javadoc's example. {@code onText} appends each part to a
 * {@code StringBuilder}, asks for the next one, and at the last part parses the message with
 * {@code ObjectMapper.readTree()} and calls the listeners there, on the JDK's thread (see
 * {@link HandWrittenClient}); sending is {@code sendText(json, true).join()} under a lock, the JDK allowing one
 * send at a time. The default {@code HttpClient}, no pings of its own, no error handling beyond failing what is
 * pending when the connection ends.
 */
public final class WebSocketBaseline extends HandWrittenClient {

    private final Object sendLock = new Object();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private WebSocket socket;

    private WebSocketBaseline() {}

    /** Connects to {@code uri} and runs the initialize handshake. */
    public static WebSocketBaseline connect(URI uri) throws IOException {
        WebSocketBaseline baseline = new WebSocketBaseline();
        baseline.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, baseline.new Receiver())
                .join();
        baseline.handshake();
        return baseline;
    }

    @Override
    protected void send(Map<String, Object> message) throws IOException {
        String json = mapper.writeValueAsString(message);
        synchronized (sendLock) {
            try {
                socket.sendText(json, true).join();
            } catch (CompletionException e) {
                throw new IOException("sending failed", e.getCause());
            }
        }
    }

    private final class Receiver implements WebSocket.Listener {

        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            webSocket.request(1);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    dispatch(mapper.readTree(message));
                } catch (IOException e) {
                    failPending(e);
                }
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            failPending(new IOException("the server closed the connection (" + statusCode + ")"));
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failPending(error);
            closed.complete(null);
        }
    }

    @Override
    public void close() {
        try {
            synchronized (sendLock) {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "").join();
            }
            closed.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // gone already, or no answer: drop it
        }
        socket.abort();
    }
}

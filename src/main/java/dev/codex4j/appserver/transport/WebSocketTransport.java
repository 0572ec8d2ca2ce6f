package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks to an app-server over a WebSocket ({@code codex app-server --listen ws://HOST:PORT}): one JSON message per
 * text frame each way, {@code Authorization: Bearer <token>} on the upgrade when a token is configured.
 *
 * <p>Built on the JDK's {@link java.net.http.WebSocket}: it is part of the JDK, so the library gains no
 * dependency, and it does all a client needs here (TLS, fragmentation, ping/pong, close handshake). Reactor Netty
 * would bring Netty's event loops, buffer pools and several megabytes of jars for one socket per client.
 *
 * <p>Threads, all daemon: the JDK's HttpClient runs its callbacks on this transport's own pool
 * ({@code codex4j-ws-io-<n>-*}), or on the reader when it has nothing else to do. The next message is asked for as
 * each arrives, never after listener code, so the socket is read however slow the client is (codex disconnects a
 * client whose queue fills, and its queue is small). Such a thread reassembles a message
 * and, when nothing is queued before it, hands it to the listener itself ({@link TransportListener#offerLine});
 * the listener takes it there unless it runs user code (a response's continuation), and ends the batch when the
 * JDK has nothing more for now. Otherwise messages go to an inbox that {@code codex4j-ws-reader-<n>} drains in
 * order, calling {@link TransportListener#onBatchEnd()} whenever it runs dry, until delivery is inline again (see
 * {@link MessageDelivery}). The reader also pings a silent server. A reader held in a listener call can be
 * replaced ({@link #replaceReader()}; {@code codex4j-ws-reader-<n>-2} and so on). Writes never block the caller:
 * messages leave one at a time, in the order of the {@link #send} calls, each once the previous frame is written
 * (the JDK allows one text send in flight).
 *
 * <p>The end, whatever causes it (the server's close frame; a dropped connection, which the JDK reports as close
 * code 1006; an I/O error; a message over {@link WebSocketOptions#maxMessageBytes()}; no answer to a ping; a
 * failed write; {@link #close}), is reported once, after the last message, naming the endpoint and close code.
 * The token never appears in a log line, an exception message or {@link #toString()}.
 */
public final class WebSocketTransport implements Transport, ReplaceableReader {

    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Close code 1006: the connection ended without a close frame (the JDK's word for a dropped socket). */
    static final int ABNORMAL_CLOSURE = 1006;
    private static final Duration READER_JOIN = ChildProcess.THREAD_JOIN;
    private static final ByteBuffer PING = ByteBuffer.wrap("codex4j".getBytes(StandardCharsets.US_ASCII));

    private final WebSocketOptions options;
    private final String endpoint;
    private final LocalWebSocketServer owned;
    private final int id = IDS.incrementAndGet();

    private final ConcurrentLinkedQueue<byte[]> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CompletableFuture<Void> endSeen = new CompletableFuture<>();
    private final CompletableFuture<Void> reported = new CompletableFuture<>();

    private volatile TransportListener listener;
    /** Inline on the JDK's thread or queued for the reader (see {@link MessageDelivery}). */
    private volatile MessageDelivery delivery;
    private volatile ExecutorService io;
    private volatile HttpClient http;
    private volatile WebSocket socket;
    /** The same, as the JDK's callbacks see it from {@code onOpen} on (before {@code socket} is set). */
    private volatile WebSocket receiving;
    /** Masks, beyond the options' redactor, the token this connection sent (a supplier's is known only now). */
    private volatile SecretRedactor redactor;
    /** When anything last arrived (a message part, a ping, a pong), as {@link System#nanoTime()}. */
    private volatile long lastHeard;
    /** When the reader sent the ping not yet followed by anything from the server; 0 when none is outstanding. */
    private volatile long pingSentAt;

    /** A transport to the app-server {@code options} name; {@link #start} connects. */
    public WebSocketTransport(WebSocketOptions options) {
        this(options, null);
    }

    /** A transport that also ends {@code owned} when it ends (see {@link LocalWebSocketServer#ownedTransport}). */
    WebSocketTransport(WebSocketOptions options, LocalWebSocketServer owned) {
        this.options = Objects.requireNonNull(options, "options");
        this.endpoint = options.endpoint();
        this.owned = owned;
        this.redactor = options.redactor();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Opens the connection within {@link WebSocketOptions#connectTimeout()}, calling the token supplier once.
     *
     * @throws IOException naming the endpoint and the cause: the HTTP status of a refused upgrade (401 for a
     *     wrong or missing token), a refused connection, a timeout, a TLS failure
     */
    @Override
    public void start(TransportListener listener) throws IOException {
        Objects.requireNonNull(listener, "listener");
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("transport already started");
        }
        this.listener = listener;
        MessageDelivery messages = new MessageDelivery(listener, new ReaderHost(), "codex4j-ws-reader-" + id,
                this::askForMore);
        delivery = messages;
        AtomicInteger workers = new AtomicInteger();
        ExecutorService pool = Executors.newCachedThreadPool(r -> ChildProcess.daemon(
                "codex4j-ws-io-" + id + "-" + workers.incrementAndGet(), r));
        io = pool;
        try {
            WebSocketUpgrade upgrade = new WebSocketUpgrade(options);
            http = upgrade.client(messages.executor(pool));
            String token = upgrade.token();
            if (token != null) {
                redactor = options.redactor().withSecrets(List.of(token));
            }
            lastHeard = System.nanoTime();
            socket = upgrade.open(http, token, new Receiver(), redactor);
        } catch (IOException | RuntimeException e) {
            closeRequested.set(true);
            release();
            reported.complete(null);
            throw e;
        }
        messages.start();
        log.debug("connected to app-server at {}", endpoint);
    }

    // --- writing ---------------------------------------------------------------------------------------

    @Override
    public void send(byte[] message) throws IOException {
        if (socket == null) {
            throw new IOException("transport not started");
        }
        if (closeRequested.get() || ended.get()) {
            throw new IOException("the WebSocket connection to " + endpoint + " is closed");
        }
        outbox.add(message);
        if (!writing.get() && writing.compareAndSet(false, true)) {
            writeNext();
        }
    }

    /** Sends queued messages one at a time; runs on whichever thread finds the writer idle or completes a send. */
    private void writeNext() {
        while (true) {
            byte[] message = outbox.poll();
            if (message == null) {
                writing.set(false);
                if (outbox.isEmpty() || !writing.compareAndSet(false, true)) {
                    return;
                }
                continue;
            }
            CompletableFuture<WebSocket> sent;
            try {
                sent = socket.sendText(new String(message, StandardCharsets.UTF_8), true);
            } catch (RuntimeException e) {
                writeFailed(e);
                return;
            }
            if (sent.isDone() && !sent.isCompletedExceptionally()) {
                continue; // written at once: no callback, no recursion
            }
            sent.whenComplete((ws, failure) -> {
                if (failure != null) {
                    writeFailed(failure);
                } else {
                    writeNext();
                }
            });
            return;
        }
    }

    private void writeFailed(Throwable failure) {
        outbox.clear(); // the writer stays taken: nothing more is written
        if (closeRequested.get()) {
            return;
        }
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        socket.abort();
        end(new TransportClosed("writing to the WebSocket at " + endpoint + " failed: "
                + redactor.redact(String.valueOf(cause.getMessage())), null, tail(), false, cause));
    }

    // --- reading ---------------------------------------------------------------------------------------

    /**
     * The JDK's callbacks, one at a time: reassemble, then deliver inline or queue ({@link MessageDelivery}); never
     * user code, since the JDK reads nothing more while one of them runs. Each asks for the next message before it
     * returns (or, on the idle reader, right after the JDK's task: see {@link MessageDelivery#arrived}), so the socket
     * is read however slow the client is.
     */
    private final class Receiver implements WebSocket.Listener {

        private final MessageAssembler text = new MessageAssembler(options.maxMessageBytes());
        private final MessageAssembler binary = new MessageAssembler(options.maxMessageBytes());

        @Override
        public void onOpen(WebSocket webSocket) {
            receiving = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            lastHeard = System.nanoTime();
            if (ended.get()) {
                return null;
            }
            try {
                if (accept(text.addText(data, last), text)) {
                    webSocket.request(1);
                }
            } catch (LineTooLongException e) {
                tooLong(webSocket, e);
            }
            return null; // the data was copied
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            lastHeard = System.nanoTime();
            if (ended.get()) {
                return null;
            }
            try { // codex sends text only; a bad one is skipped and counted
                if (accept(binary.addBinary(data, last), binary)) {
                    webSocket.request(1);
                }
            } catch (LineTooLongException e) {
                tooLong(webSocket, e);
            }
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime(); // (the JDK answers with a pong by itself)
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            lastHeard = System.nanoTime();
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            String what = statusCode == ABNORMAL_CLOSURE
                    ? "the WebSocket connection to " + endpoint + " was lost (close code 1006: no close frame)"
                    : "the app-server at " + endpoint + " closed the WebSocket connection (close code " + statusCode
                            + (reason == null || reason.isEmpty() ? "" : ": " + redactor.redact(reason))
                            + ")";
            end(new TransportClosed(what, null, tail(), false, null));
            return null; // the JDK then answers the close frame
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            // A killed server's kernel resets the connection when input was still unread there (seen after kill -9
            // with a request in flight): as lost as a 1006, with no close code to give.
            String what = error instanceof java.io.IOException
                    ? " was lost (" + redactor.redact(String.valueOf(error)) + ", no close frame)"
                    : " failed: " + redactor.redact(String.valueOf(error));
            end(new TransportClosed("the WebSocket connection to " + endpoint + what, null, tail(), false, error));
        }

        /** @return whether to ask for the next message now (see {@link MessageDelivery#arrived}) */
        private boolean accept(boolean whole, MessageAssembler message) {
            if (!whole) {
                return true;
            }
            if (message.isBlank()) {
                message.clear();
                return true;
            }
            return delivery.arrived(message);
        }

        private void tooLong(WebSocket webSocket, LineTooLongException e) {
            log.error("app-server at {} sent a message longer than {} bytes; closing the connection", endpoint,
                    e.maxLineBytes());
            webSocket.abort();
            end(new TransportClosed(e.getMessage(), null, tail(), false, e));
        }
    }

    /** The end of the input: the first reason counts, and the reader reports it after every message before it. */
    private void end(TransportClosed closed) {
        if (ended.compareAndSet(false, true)) {
            delivery.enqueue(closeRequested.get()
                    ? new TransportClosed("closed by client", null, tail(), true, null) : closed);
            endSeen.complete(null);
        }
    }

    private List<String> tail() {
        return owned == null ? List.of() : owned.diagnosticTail();
    }

    /** Asks the JDK for the next message (on the reader, after a task of the JDK's it ran). */
    private void askForMore() {
        WebSocket ws = receiving;
        if (ws != null && !ended.get()) {
            ws.request(1);
        }
    }

    /** The reader's view of this transport: keep-alive while it waits, and the end. */
    private final class ReaderHost implements MessageDelivery.Host {

        /** Pings a server silent for {@link WebSocketOptions#pingInterval()}; gives it up when no answer follows. */
        @Override
        public long idle() {
            long interval = options.pingInterval().toNanos();
            if (interval == 0) {
                return 0;
            }
            long now = System.nanoTime();
            long heard = lastHeard;
            long sentAt = pingSentAt;
            if (sentAt != 0 && heard - sentAt < 0) { // a ping is out and nothing came since
                long wait = sentAt + interval - now;
                if (wait <= 0) {
                    noPong();
                    return 0;
                }
                return wait;
            }
            if (now - heard >= interval) {
                ping(now);
                return interval;
            }
            pingSentAt = 0;
            return heard + interval - now;
        }

        @Override
        public void finish(TransportClosed closed) {
            WebSocketTransport.this.finish(closed);
        }
    }

    private void ping(long now) {
        pingSentAt = now == 0 ? 1 : now;
        try {
            socket.sendPing(PING.duplicate());
        } catch (RuntimeException e) { // a ping or pong still on its way: the next round pings again
            log.debug("could not ping {}: {}", endpoint, e.toString());
        }
    }

    private void noPong() {
        log.warn("app-server at {} answered no ping for {}; giving the connection up", endpoint,
                options.pingInterval());
        socket.abort();
        end(new TransportClosed("the WebSocket connection to " + endpoint + " was lost: nothing received for "
                + options.pingInterval() + " after a ping", null, tail(), false, null));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Only the reader can be held (the JDK's threads run no user code here); see {@link MessageDelivery}. (This
     * reader never writes: the JDK's threads do, so the writing variants keep their defaults.)
     */
    @Override
    public boolean replaceReader() {
        MessageDelivery messages = delivery;
        return messages != null && messages.replaceReader();
    }

    /** On the reader, after the last message: ends an owned server, lets go of the JDK client, tells the listener. */
    private void finish(TransportClosed closed) {
        TransportClosed told = closed;
        if (owned != null) {
            told = owned.connectionEnded(closed);
        }
        release();
        if (!told.requestedByClient()) {
            log.warn("app-server connection ended: {}", told.describe());
        }
        try {
            listener.onClosed(told);
        } catch (Throwable e) {
            log.error("listener failed on connection end", e);
        } finally {
            reported.complete(null);
        }
    }

    /** Aborts the socket (if still open) and stops this transport's pool and, on Java 21+, the JDK client. */
    private void release() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        ExecutorService pool = io;
        if (pool != null) {
            pool.shutdownNow();
            if (!Thread.currentThread().getName().startsWith("codex4j-ws-io-")) {
                try {
                    pool.awaitTermination(READER_JOIN.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        // HttpClient is AutoCloseable from Java 21 (stopping its selector thread); on 17 that thread ends once the
        // client is garbage
        if (http instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.debug("closing the HttpClient of {} failed: {}", endpoint, e.toString());
            }
        }
    }

    /** How many messages, and the end once known, wait for the reader: while it is held, all that arrives (for tests). */
    int queued() {
        MessageDelivery messages = delivery;
        return messages == null ? 0 : messages.queued();
    }

    @Override
    public List<String> diagnosticTail() {
        return tail();
    }

    @Override
    public void close() {
        close(options.closeTimeout());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends a close frame (1000), waits up to {@code grace} for the server's, then drops the socket; then ends
     * an owned server. Messages not yet written are dropped.
     */
    @Override
    public void close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (!closeRequested.compareAndSet(false, true)) {
            ChildProcess.awaitQuietly(reported, grace.plus(READER_JOIN));
            return;
        }
        WebSocket ws = socket;
        if (ws == null) { // never started (or it failed to)
            release();
            if (owned != null) {
                owned.close();
            }
            return;
        }
        outbox.clear();
        if (!ended.get()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "");
            } catch (RuntimeException e) {
                log.debug("could not send a close frame to {}: {}", endpoint, e.toString());
            }
            ChildProcess.awaitQuietly(endSeen, grace);
        }
        ws.abort();
        end(new TransportClosed("closed by client", null, tail(), true, null));
        if (delivery.isInListenerCall()) {
            // closed from a listener call (a continuation on the reader): the report follows once it returns
            release();
        } else if (!ChildProcess.awaitQuietly(reported, READER_JOIN)) {
            log.warn("the reader of {} is still held in a listener call after close", endpoint);
            release();
        } else {
            ChildProcess.join(delivery.reader(), READER_JOIN); // it ends right after its report
        }
        if (owned != null) {
            owned.close();
        }
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + endpoint + "]";
    }
}

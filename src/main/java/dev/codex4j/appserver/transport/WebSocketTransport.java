package dev.codex4j.appserver.transport;

import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Speaks to an app-server over a WebSocket ({@code codex app-server --listen ws://HOST:PORT}, or over a Unix socket
 * with {@code --listen unix:///PATH}): one JSON message per text frame each way, {@code Authorization: Bearer
 * <token>} on the upgrade when a token is configured.
 *
 * <p>A WebSocket client of its own over a socket ({@link WebSocketHandshake}, {@link WebSocketFramer},
 * {@link WebSocketEncoding}), rather than the JDK's {@code java.net.http.WebSocket} or Reactor Netty: the JDK's
 * decodes every frame into characters and asks for each message with a callback across its own threads, which
 * kept typed notifications under the 1.5x of a hand-written JDK client that issue 16 asks for; Reactor Netty
 * would bring event loops, buffer pools and megabytes of jars for one socket per client. Over a socket the
 * connection is read and written exactly as stdio is, by the same code ({@link StreamReader},
 * {@link StreamWriter}), and TLS is the JDK's ({@code SSLSocket}, host name checked).
 *
 * <p>Threads: one daemon reader, {@code codex4j-ws-reader-<n>}, which frames what arrives and hands each message
 * to the listener, answers pings, and pings a server silent for {@link WebSocketOptions#pingInterval()} (giving
 * the connection up when nothing answers within another interval; over TCP only). It is replaced (as {@code -2} and so on) when
 * its listener holds it. Callers write their own messages, or leave them to a thread writing already (see
 * {@link StreamWriter}).
 *
 * <p>The end, whatever causes it (the server's close frame; a dropped connection, reported as close code 1006; an
 * I/O error; a frame that breaks the protocol; a message over {@link WebSocketOptions#maxMessageBytes()}; no
 * answer to a ping; a failed write; {@link #close}), is reported once, after the last message, naming the endpoint
 * and close code. The token never appears in a log line, an exception message or {@link #toString()}.
 */
public final class WebSocketTransport implements Transport, ReplaceableReader {

    private static final Logger log = LoggerFactory.getLogger(WebSocketTransport.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /** Close code 1006: the connection ended without a close frame. */
    static final int ABNORMAL_CLOSURE = 1006;
    private static final int NORMAL_CLOSURE = 1000;
    private static final Duration READER_JOIN = ChildProcess.THREAD_JOIN;
    private static final byte[] PING = "codex4j".getBytes(StandardCharsets.US_ASCII);

    private final WebSocketOptions options;
    private final String endpoint;
    private final LocalWebSocketServer owned;
    private final int id = IDS.incrementAndGet();
    private final WebSocketEncoding encoding = new WebSocketEncoding();

    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closeRequested = new AtomicBoolean();
    private final AtomicBoolean closeSent = new AtomicBoolean();
    /** Completed once the server's close frame or the end of the connection has been seen. */
    private final CompletableFuture<Void> endSeen = new CompletableFuture<>();

    /**
     * What closes the connection at once (see {@link #closeSocket}): the TCP socket (under TLS for wss://), or a
     * Unix socket's channel.
     */
    private volatile Closeable connection;
    private volatile StreamWriter writer;
    private volatile StreamReader reader;
    /** Masks, beyond the options' redactor, the token this connection sent (a supplier's is known only now). */
    private volatile SecretRedactor redactor;
    private volatile IOException writeFailure;
    /** The server's close frame, once it came: its code and reason. */
    private volatile String serverClose;
    private volatile boolean noPong;
    /** Ends the close handshake, once under way, if the server does not (see {@link #armCloseDeadline}). */
    private volatile SocketDeadline closeDeadline;

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
        WebSocketHandshake.Opened opened;
        try {
            String token = token();
            if (token != null) {
                redactor = options.redactor().withSecrets(List.of(token));
            }
            opened = WebSocketHandshake.open(options, token, redactor);
        } catch (IOException | RuntimeException e) {
            closeRequested.set(true);
            endSeen.complete(null);
            throw e;
        }
        connection = opened.connection();
        try {
            // close() while connecting found no reader, and closes the connection if it saw it (set just above)
            if (closeRequested.get()) {
                throw new IOException("the WebSocket connection to " + endpoint + " was closed while it opened");
            }
            long pingMillis = options.pingInterval().toMillis();
            InputStream in = opened.in();
            if (pingMillis > 0 && opened.timeouts() != null) { // a silent server wakes the reader
                opened.timeouts().setSoTimeout((int) Math.min(Integer.MAX_VALUE, pingMillis));
                in = new KeepAlive(in);
            }
            writer = new StreamWriter(opened.out(), encoding, this::writeFailed);
            StreamReader r = new StreamReader("codex4j-ws-reader-" + id, in,
                    () -> new WebSocketFramer(options.maxMessageBytes(), new Control()), writer, listener,
                    this::ended);
            reader = r;
            r.start(opened.rest().length == 0 ? null : opened.rest(), 0, opened.rest().length);
        } catch (IOException | RuntimeException | Error e) { // no reader: nothing else would ever close the socket
            reader = null;
            closeRequested.set(true);
            endSeen.complete(null);
            closeSocket();
            throw e;
        }
        log.debug("connected to app-server at {}", endpoint);
    }

    /** The token for this attempt (the supplier is asked now), or {@code null} without one. */
    private String token() throws IOException {
        if (options.bearerToken() == null) {
            return null;
        }
        try {
            String token = options.bearerToken().get();
            WebSocketOptions.Builder.requireToken(token);
            return token;
        } catch (RuntimeException e) {
            throw new IOException("no bearer token for " + endpoint + ": " + e.getClass().getSimpleName() + ": "
                    + options.redactor().redact(e.getMessage()), e);
        }
    }

    @Override
    public void send(byte[] message) throws IOException {
        StreamWriter out = writer;
        if (out == null) {
            throw new IOException("transport not started");
        }
        if (closeRequested.get() || endSeen.isDone()) {
            throw new IOException("the WebSocket connection to " + endpoint + " is closed");
        }
        StreamReader r = reader;
        out.send(message, r.isReader(Thread.currentThread()));
    }

    /** Sends a control frame; from the reader, or from {@link #close}. */
    private void sendControl(int opcode, byte[] payload) throws IOException {
        writer.sendFramed(encoding.controlFrame(opcode, payload), reader.isReader(Thread.currentThread()));
    }

    private void writeFailed(IOException e) {
        writeFailure = e;
        closeSocket(); // the reader then ends, reporting this failure
    }

    /** The control frames of the server, on the reader. */
    private final class Control implements WebSocketFramer.ControlFrames {
        @Override
        public void ping(byte[] payload) throws IOException {
            sendControl(WebSocketFramer.PONG, payload);
        }

        @Override
        public void close(int code, String reason) throws IOException {
            serverClose = "close code " + code
                    + (reason.isEmpty() ? "" : ": " + DiagnosticTail.oneLine(redactor.redact(reason)));
            endSeen.complete(null);
            if (!closeSent.compareAndSet(false, true)) {
                closeSocket(); // this answers the client's close frame: the handshake is done
                return;
            }
            // The answer leaves when the reader has handled this read (closing the socket now would lose it); the
            // server then ends the TCP connection, which ends the reader, or the deadline does.
            armCloseDeadline(options.closeTimeout());
            try {
                sendControl(WebSocketFramer.CLOSE, WebSocketEncoding.closePayload(
                        code == WebSocketFramer.NO_STATUS ? NORMAL_CLOSURE : code));
            } catch (IOException e) {
                closeSocket();
                throw e;
            }
        }
    }

    /**
     * The socket's input as the reader sees it: a read that times out (nothing for a ping interval) pings the
     * server, and a second one in a row, with no answer between, gives the connection up.
     */
    private final class KeepAlive extends FilterInputStream {
        private boolean pingOut;

        KeepAlive(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            while (true) {
                try {
                    int n = in.read(b, off, len);
                    pingOut = false;
                    return n;
                } catch (SocketTimeoutException e) {
                    if (closeSent.get()) {
                        continue; // no frame may follow a close frame; the close deadline ends this wait
                    }
                    if (pingOut) {
                        noPong = true;
                        log.warn("app-server at {} answered no ping for {}; giving the connection up", endpoint,
                                options.pingInterval());
                        throw e;
                    }
                    pingOut = true;
                    sendControl(WebSocketFramer.PING, PING);
                }
            }
        }
    }

    /** On the reader, after the last message: what ended the connection, which is closed now. */
    private TransportClosed ended(Throwable failure) {
        endSeen.complete(null);
        closeSocket();
        SocketDeadline deadline = closeDeadline;
        if (deadline != null) {
            deadline.disarm();
        }
        TransportClosed closed;
        String lost = "the WebSocket connection to " + endpoint + " was lost";
        if (closeRequested.get()) {
            closed = new TransportClosed("closed by client", null, tail(), true, null);
        } else if (serverClose != null) {
            closed = new TransportClosed("the app-server at " + endpoint + " closed the WebSocket connection ("
                    + serverClose + ")", null, tail(), false, null);
        } else if (failure instanceof LineTooLongException e) {
            log.error("app-server at {} sent a message longer than {} bytes; closing the connection", endpoint,
                    e.maxLineBytes());
            closed = new TransportClosed(e.getMessage(), null, tail(), false, e);
        } else if (failure instanceof WebSocketFramer.WebSocketProtocolException e) {
            closed = new TransportClosed("the app-server at " + endpoint + " broke the WebSocket protocol: "
                    + e.getMessage(), null, tail(), false, e);
        } else if (writeFailure != null) {
            closed = new TransportClosed("writing to the WebSocket at " + endpoint + " failed: "
                    + redactor.redact(String.valueOf(writeFailure.getMessage())), null, tail(), false, writeFailure);
        } else if (noPong) {
            closed = new TransportClosed(lost + ": nothing received for " + options.pingInterval() + " after a ping",
                    null, tail(), false, null);
        } else if (failure == null) {
            closed = new TransportClosed(lost + " (close code 1006: no close frame)", null, tail(), false, null);
        } else if (failure instanceof IOException) {
            // a killed server's kernel resets the connection when input was still unread there: as lost as a 1006
            closed = new TransportClosed(lost + " (" + redactor.redact(String.valueOf(failure)) + ", no close frame)",
                    null, tail(), false, failure);
        } else {
            log.error("the WebSocket reader of {} failed unexpectedly", endpoint, failure);
            closed = new TransportClosed("the WebSocket connection to " + endpoint + " failed: "
                    + redactor.redact(String.valueOf(failure)), null, tail(), false, failure);
        }
        return owned == null ? closed : owned.connectionEnded(closed);
    }

    /**
     * Closes the TCP socket (or the Unix socket's channel), under TLS too: {@code SSLSocket.close()} would first
     * write close_notify, waiting for the lock of a write in progress and then for room in the socket, both forever
     * while the server reads nothing. The WebSocket close frame, not TLS, is what says goodbye here.
     */
    private void closeSocket() {
        Closeable c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("closing the socket to {} failed: {}", endpoint, e.toString());
            }
        }
    }

    private List<String> tail() {
        return owned == null ? List.of() : owned.diagnosticTail();
    }

    @Override
    public boolean replaceReader() {
        StreamReader r = reader;
        return r != null && r.replaceReader();
    }

    @Override
    public boolean replaceReaderIfWriting(long now, long heldNanos) {
        StreamReader r = reader;
        return r != null && r.replaceReaderIfWriting(now, heldNanos);
    }

    @Override
    public long readerWritingSince() {
        StreamReader r = reader;
        return r == null ? 0 : r.readerWritingSince();
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
     * <p>Sends a close frame (1000), waits up to {@code grace} for the server's, then closes the socket; then ends
     * an owned server. Never longer than that, even while the server reads nothing and the frame cannot be
     * written. From a listener call it does not wait: the frame leaves once that call returns, and the end is
     * reported once the server has answered, or after {@code grace}.
     */
    @Override
    public void close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (!closeRequested.compareAndSet(false, true)) {
            StreamReader r = reader;
            if (r != null && !r.isInListenerCall()) {
                ChildProcess.awaitQuietly(r.reported(), grace.plus(READER_JOIN));
            }
            return;
        }
        StreamReader r = reader; // read after closeRequested is set: start() reads them the other way round
        if (r == null) { // never started, failed to, or still connecting (then start() fails, seeing the request)
            closeSocket();
            if (owned != null) {
                owned.close();
            }
            return;
        }
        boolean inListener = r.isInListenerCall();
        SocketDeadline deadline = null;
        if (!endSeen.isDone() && closeSent.compareAndSet(false, true)) {
            // bounds the close frame's write (which blocks while the server reads nothing) and the wait for the
            // answer: here, or on the reader, which reads on after a call from a listener
            deadline = armCloseDeadline(grace);
            try {
                sendControl(WebSocketFramer.CLOSE, WebSocketEncoding.closePayload(NORMAL_CLOSURE));
            } catch (IOException e) {
                log.debug("could not send a close frame to {}: {}", endpoint, e.toString());
            }
        }
        if (inListener) { // the close frame leaves once the call returns; the report follows the answer
            if (owned != null) {
                owned.close();
            }
            return;
        }
        if (deadline != null) {
            ChildProcess.awaitQuietly(endSeen, grace);
            deadline.disarm();
        }
        closeSocket();
        if (!ChildProcess.awaitQuietly(r.reported(), READER_JOIN)) {
            log.warn("the reader of {} is still held in a listener call after close", endpoint);
        } else {
            ChildProcess.join(r.current(), READER_JOIN); // it ends right after its report
        }
        if (owned != null) {
            owned.close();
        }
    }

    /** Closes the socket in {@code grace} unless the connection has ended by then. */
    private SocketDeadline armCloseDeadline(Duration grace) {
        SocketDeadline deadline = SocketDeadline.in(grace, this::closeSocket);
        closeDeadline = deadline; // disarmed by the reader's end
        return deadline;
    }

    @Override
    public String toString() {
        return "WebSocketTransport[" + endpoint + "]";
    }
}

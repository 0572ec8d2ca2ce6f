package dev.codex4j.appserver.transport;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Opening one WebSocket connection (RFC 6455, section 4): TCP within the connect timeout, TLS for {@code wss://}
 * (the options' {@code SSLContext} or the JDK's default, with the host name checked against the certificate), the
 * HTTP/1.1 upgrade with the token and extra headers, and the server's answer checked. The whole of it, TLS and
 * upgrade included, fits in the connect timeout. A failure names the endpoint and what went wrong: the HTTP status
 * and the start of the body of a refusal (401: check the token), a refused port, a timeout, TLS.
 */
final class WebSocketHandshake {

    /**
     * The connection, upgraded: its streams; what closes it at once (under TLS the TCP socket, since
     * {@code SSLSocket.close()} first writes to the peer, under a lock a blocked write may hold); the socket its
     * reads time out on for keep-alive ({@code null} over a Unix socket, which has no read timeouts); and what the
     * server sent after its answer (frames already).
     */
    record Opened(InputStream in, OutputStream out, Closeable connection, Socket timeouts, byte[] rest) {}

    /** Reads during the handshake, within its deadline. */
    private interface Wire {
        int read(byte[] buffer, int offset, int length) throws IOException;
    }

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The most bytes of an answer's status line and headers. */
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_BODY_SHOWN = 200;
    private static final SecureRandom KEYS = new SecureRandom();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebSocketTransport.class);
    private static final java.util.Set<String> CLEAR_TEXT_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final WebSocketOptions options;
    private final SecretRedactor redactor;
    private final long deadline;

    private WebSocketHandshake(WebSocketOptions options, SecretRedactor redactor) {
        this.options = options;
        this.redactor = redactor;
        this.deadline = System.nanoTime() + options.connectTimeout().toNanos();
    }

    /**
     * Connects and upgrades, sending {@code Authorization: Bearer <token>} when {@code token} is not null.
     *
     * @throws IOException naming the endpoint and the cause, {@code redactor} applied; the socket is closed
     */
    static Opened open(WebSocketOptions options, String token, SecretRedactor redactor) throws IOException {
        return new WebSocketHandshake(options, redactor).open(token);
    }

    private Opened open(String token) throws IOException {
        URI uri = options.uri();
        if (options.isUnixSocket()) {
            return openUnix(uri, token);
        }
        boolean tls = "wss".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost();
        String bareHost = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        Socket tcp = new Socket();
        if (!tls && token != null) {
            warnIfInTheClear(bareHost);
        }
        Socket socket = tcp;
        // Socket timeouts bound each read; this bounds the whole, a TLS handshake a peer trickles included.
        SocketDeadline deadline = SocketDeadline.in(options.connectTimeout(), () -> closeQuietly(tcp));
        try {
            try {
                socket.connect(new InetSocketAddress(bareHost, port), remainingMillis());
            } catch (SocketTimeoutException e) {
                throw timedOut();
            } catch (ConnectException e) {
                throw new IOException("cannot connect to " + options.endpoint() + ": connection refused", e);
            }
            socket.setTcpNoDelay(true); // one small message is often all there is: no Nagle delay
            socket.setKeepAlive(true);
            if (tls) {
                socket = secure(socket, bareHost, port);
            }
            String key = newKey();
            OutputStream out = socket.getOutputStream();
            out.write(request(uri.getRawPath(), uri.getRawQuery(), host + (port == (tls ? 443 : 80) ? "" : ":" + port),
                    key, token));
            out.flush();
            Socket s = socket;
            InputStream in = s.getInputStream();
            byte[] rest = answer((b, off, len) -> {
                s.setSoTimeout(remainingMillis()); // per read: a trickle must not outlast the deadline
                return in.read(b, off, len);
            }, key);
            socket.setSoTimeout(0);
            if (!deadline.disarm()) { // it closed the socket just now
                throw new SocketTimeoutException();
            }
            return new Opened(in, out, tcp, socket, rest);
        } catch (IOException | RuntimeException e) {
            closeQuietly(tcp);
            throw failure(e, deadline.fired());
        } finally {
            deadline.disarm();
        }
    }

    /** A token over plain {@code ws://} to another machine can be read on the way: say so (once per host). */
    private void warnIfInTheClear(String host) {
        try {
            java.net.InetAddress address = java.net.InetAddress.getByName(host);
            if (!address.isLoopbackAddress() && CLEAR_TEXT_WARNED.add(host)) {
                log.warn("sending the bearer token to {} over plain ws://, readable by anyone on the way; use wss://",
                        options.endpoint());
            }
        } catch (java.net.UnknownHostException e) {
            // the connect that follows says so
        }
    }

    /**
     * Over a Unix socket ({@code SocketChannel}, Java 16+): the handshake runs non-blocking under a selector, for
     * its deadline (a channel has no read timeout); then the channel blocks, read and written as a socket is.
     */
    private Opened openUnix(URI uri, String token) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            try {
                channel.connect(UnixDomainSocketAddress.of(Path.of(uri.getPath())));
            } catch (IOException e) { // ENOENT, ECONNREFUSED, EACCES: the JDK's message says which
                throw new IOException("cannot connect to " + options.endpoint() + ": " + e.getMessage(), e);
            }
            String key = newKey();
            byte[] rest;
            channel.configureBlocking(false);
            try (Selector selector = Selector.open()) {
                SelectionKey registration = channel.register(selector, SelectionKey.OP_WRITE);
                ByteBuffer request = ByteBuffer.wrap(request(uri.getRawPath(), null, "localhost", key, token));
                while (request.hasRemaining()) {
                    if (channel.write(request) == 0) {
                        await(selector);
                    }
                }
                registration.interestOps(SelectionKey.OP_READ);
                rest = answer((b, off, len) -> {
                    ByteBuffer into = ByteBuffer.wrap(b, off, len);
                    int n;
                    while ((n = channel.read(into)) == 0) {
                        await(selector);
                    }
                    return n;
                }, key);
            }
            channel.configureBlocking(true); // (closing the selector deregistered the channel)
            return new Opened(ChannelStreams.input(channel), ChannelStreams.output(channel), channel, null, rest);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw failure(e, false);
        }
    }

    private void await(Selector selector) throws IOException {
        selector.select(remainingMillis());
        selector.selectedKeys().clear();
    }

    /**
     * A failure of {@link #open}, as the caller sees it: naming the endpoint, the token masked; a timeout when the
     * deadline closed the socket under whatever failed.
     */
    private IOException failure(Exception e, boolean deadlineFired) {
        if (e instanceof IOException io && io.getMessage() != null && io.getMessage().contains(options.endpoint())) {
            return io; // a refusal, say, whose body the deadline cut short
        }
        if (e instanceof SocketTimeoutException || deadlineFired) {
            return timedOut();
        }
        if (e instanceof SSLException) {
            return new IOException("TLS with " + options.endpoint() + " failed: " + redactor.redact(e.getMessage()), e);
        }
        return new IOException("cannot connect to " + options.endpoint() + ": " + redactor.redact(String.valueOf(e)),
                e);
    }

    private Socket secure(Socket plain, String host, int port) throws IOException {
        SSLContext context;
        try {
            context = options.sslContext() != null ? options.sslContext() : SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new SSLException("no default TLS context", e);
        }
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name this host
        tls.setSSLParameters(parameters);
        tls.setSoTimeout(remainingMillis());
        tls.startHandshake();
        return tls;
    }

    private byte[] request(String rawPath, String rawQuery, String hostHeader, String key, String token) {
        String path = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        if (rawQuery != null) {
            path += "?" + rawQuery;
        }
        StringBuilder request = new StringBuilder(256).append("GET ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\nSec-WebSocket-Version: 13\r\n");
        // names and values were checked by the options: no line breaks, no handshake header, printable token
        options.headers().forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        if (token != null) {
            request.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads the server's answer; a 101 with the right accept key opens the connection, anything else is refused.
     *
     * @return what the server sent after its answer
     */
    private byte[] answer(Wire in, String key) throws IOException {
        byte[] buffer = new byte[8192];
        int length = 0;
        int headerEnd;
        while ((headerEnd = indexOfBlankLine(buffer, length)) < 0) {
            if (length == buffer.length) {
                if (length >= MAX_HEADER_BYTES) {
                    throw new IOException("the app-server at " + options.endpoint()
                            + " answered the WebSocket upgrade with over " + MAX_HEADER_BYTES + " bytes of headers");
                }
                buffer = Arrays.copyOf(buffer, length * 2);
            }
            int n = in.read(buffer, length, buffer.length - length);
            if (n < 0) {
                throw new IOException("the app-server at " + options.endpoint()
                        + " closed the connection before answering the WebSocket upgrade");
            }
            length += n;
        }
        String[] lines = new String(buffer, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r\n");
        int status = status(lines[0]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        int bodyStart = headerEnd + 4;
        if (status != 101) {
            throw refused(status, body(in, buffer, bodyStart, length, headers));
        }
        String accept = headers.getOrDefault("sec-websocket-accept", "");
        if (!"websocket".equalsIgnoreCase(headers.getOrDefault("upgrade", ""))
                || !hasToken(headers.getOrDefault("connection", ""), "upgrade")
                || !MessageDigest.isEqual(accept.getBytes(StandardCharsets.US_ASCII),
                        expectedAccept(key).getBytes(StandardCharsets.US_ASCII))) {
            throw new IOException("the app-server at " + options.endpoint()
                    + " answered the WebSocket upgrade with 101 but not as RFC 6455 asks (Upgrade, Connection or"
                    + " Sec-WebSocket-Accept wrong)");
        }
        if (headers.containsKey("sec-websocket-extensions") || headers.containsKey("sec-websocket-protocol")) {
            throw new IOException("the app-server at " + options.endpoint()
                    + " chose a WebSocket extension or subprotocol the client did not offer");
        }
        return Arrays.copyOfRange(buffer, bodyStart, length);
    }

    private int status(String statusLine) throws IOException {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("the app-server at " + options.endpoint()
                    + " answered the WebSocket upgrade with something other than HTTP");
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("the app-server at " + options.endpoint()
                    + " answered the WebSocket upgrade with no HTTP status");
        }
    }

    private IOException refused(int status, String body) {
        return new IOException("the app-server at " + options.endpoint() + " refused the WebSocket upgrade with HTTP "
                + status + (body.isEmpty() ? "" : " (" + body + ")")
                + (status == 401 || status == 403 ? ": check the bearer token" : ""));
    }

    /**
     * The start of a refusal's body, redacted and on one line: what came with the headers, and up to its length
     * while time is left. Unless all of it was read, a secret it echoes may be cut off at the end: that part is
     * masked too.
     */
    private String body(Wire in, byte[] buffer, int start, int length, Map<String, String> headers) {
        int declared;
        try {
            declared = Integer.parseInt(headers.getOrDefault("content-length", "0").trim());
        } catch (NumberFormatException e) {
            declared = 0;
        }
        int already = length - start;
        int wanted = Math.min(Math.max(declared, already), MAX_BODY_SHOWN);
        byte[] body = new byte[wanted];
        int have = Math.min(already, wanted);
        System.arraycopy(buffer, start, body, 0, have);
        try {
            while (have < wanted) {
                int n = in.read(body, have, wanted - have);
                if (n < 0) {
                    break;
                }
                have += n;
            }
        } catch (IOException e) {
            // what arrived in time is enough to show
        }
        String text = new String(body, 0, have, StandardCharsets.UTF_8);
        boolean whole = declared > 0 && have == declared;
        return DiagnosticTail.truncate(
                DiagnosticTail.oneLine((whole ? redactor.redact(text) : redactor.redactCut(text)).strip()),
                MAX_BODY_SHOWN);
    }

    private static boolean hasToken(String header, String token) {
        for (String part : header.split(",")) {
            if (part.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK", e);
        }
    }

    private static int indexOfBlankLine(byte[] bytes, int length) {
        for (int i = 0; i + 3 < length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private int remainingMillis() throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException();
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
    }

    private IOException timedOut() {
        return new IOException("connecting to " + options.endpoint() + " timed out after " + options.connectTimeout());
    }

    private static String newKey() {
        byte[] bytes = new byte[16];
        KEYS.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static void closeQuietly(Closeable connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // closing after a failure: nothing more to say
        }
    }
}

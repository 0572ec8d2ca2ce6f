package dev.codex4j.appserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal WebSocket server on 127.0.0.1 for tests, on plain sockets (the JDK has no WebSocket server): one
 * connection at a time, RFC 6455 framing without extensions. The test plays the app-server: it reads what the
 * client sent ({@link #receive()}), sends text in one frame or in fragments, binary frames, pings, close frames,
 * or drops the connection without a close frame. With {@link #requireToken} it refuses an upgrade without
 * {@code Authorization: Bearer <token>} with 401, as codex does.
 */
public final class FakeWebSocketServer implements AutoCloseable {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerSocket listener;
    private final Thread acceptor;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final AtomicInteger pingsReceived = new AtomicInteger();
    private final Semaphore pings = new Semaphore(0);
    private final CompletableFuture<Integer> clientClose = new CompletableFuture<>();
    private final CompletableFuture<Void> connectionEnded = new CompletableFuture<>();
    private final CompletableFuture<Map<String, String>> upgradeHeaders = new CompletableFuture<>();
    private volatile String requiredToken;
    private volatile boolean answerPings = true;
    private volatile boolean readNothing;
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Socket connection;
    private volatile OutputStream out;

    private final boolean tls;

    private FakeWebSocketServer(ServerSocket listener, boolean tls) {
        this.listener = listener;
        this.tls = tls;
        acceptor = new Thread(this::acceptOne, "fake-ws-server");
        acceptor.setDaemon(true);
    }

    /** Listens on a free loopback port and serves the first connection. */
    public static FakeWebSocketServer start() throws IOException {
        FakeWebSocketServer server = new FakeWebSocketServer(
                new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), false);
        server.acceptor.start();
        return server;
    }

    /** The same over TLS ({@code wss://}), with the server certificate of {@code context}. */
    public static FakeWebSocketServer startTls(javax.net.ssl.SSLContext context) throws IOException {
        FakeWebSocketServer server = new FakeWebSocketServer(context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress()), true);
        server.acceptor.start();
        return server;
    }

    /** Refuses an upgrade that does not carry this bearer token (401, {@code invalid websocket bearer token}). */
    public FakeWebSocketServer requireToken(String token) {
        this.requiredToken = token;
        return this;
    }

    /** Whether the client's pings are answered (default) or ignored, as by a server that hangs. */
    public FakeWebSocketServer answerPings(boolean answer) {
        this.answerPings = answer;
        return this;
    }

    /**
     * After the upgrade reads nothing more, as a server stuck elsewhere does: what the client writes fills the
     * socket buffers until its writes block. The connection stays open until {@link #close}.
     */
    public FakeWebSocketServer readNothing() {
        this.readNothing = true;
        return this;
    }

    public URI uri() {
        return URI.create((tls ? "wss" : "ws") + "://127.0.0.1:" + listener.getLocalPort() + "/rpc");
    }

    /** The headers of the accepted upgrade request, names in lower case. */
    public Map<String, String> upgradeHeaders() {
        return await(upgradeHeaders);
    }

    /** The next text message the client sent, waiting a few seconds at most. */
    public String receive() {
        try {
            String message = received.poll(10, TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("the client sent nothing within 10 s");
            }
            return message;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends one text message in one frame. */
    public void send(String text) {
        frame(0x1, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one text message as {@code parts} frames, cut at byte positions (so inside UTF-8 sequences, too). */
    public void sendFragmented(String text, int parts) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int size = Math.max(1, bytes.length / parts);
        int from = 0;
        boolean first = true;
        while (from < bytes.length) {
            int to = bytes.length - from <= size ? bytes.length : from + size;
            byte[] part = java.util.Arrays.copyOfRange(bytes, from, to);
            frame(first ? 0x1 : 0x0, to == bytes.length, part);
            first = false;
            from = to;
        }
    }

    public void sendBinary(byte[] bytes) {
        frame(0x2, true, bytes);
    }

    /** Sends a close frame with {@code code} and {@code reason}, then closes the socket. */
    public void closeWith(int code, String reason) {
        sendClose(code, reason);
        dropConnection();
    }

    /** Sends a close frame with {@code code} and {@code reason} and reads on: the client must answer it. */
    public void sendClose(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        frame(0x8, true, payload);
    }

    /** Ends the TCP connection without a close frame, as a killed server's kernel does. */
    public void dropConnection() {
        Socket s = connection;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
    }

    /** How many pings the client sent. */
    public int pingsReceived() {
        return pingsReceived.get();
    }

    /** Waits until the client has sent {@code count} more pings; whether it did within {@code seconds}. */
    public boolean awaitPings(int count, int seconds) throws InterruptedException {
        return pings.tryAcquire(count, seconds, TimeUnit.SECONDS);
    }

    /** Completes with the status code of the client's close frame. */
    public CompletableFuture<Integer> clientClose() {
        return clientClose;
    }

    /** Completes when the connection's socket is closed (by either side). */
    public CompletableFuture<Void> connectionEnded() {
        return connectionEnded;
    }

    @Override
    public void close() {
        closed.countDown();
        dropConnection();
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private synchronized void frame(int opcode, boolean fin, byte[] payload) {
        OutputStream o = out;
        if (o == null) {
            throw new IllegalStateException("no client connected");
        }
        try {
            ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 10);
            f.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                f.write(payload.length);
            } else if (payload.length < 65536) {
                f.write(126);
                f.write(payload.length >> 8);
                f.write(payload.length);
            } else {
                f.write(127);
                for (int i = 7; i >= 0; i--) {
                    f.write((int) ((long) payload.length >> (8 * i)));
                }
            }
            f.write(payload);
            o.write(f.toByteArray());
            o.flush();
        } catch (IOException e) {
            // The client dropped the connection (as it must after an oversized message, say): what it will never
            // read is lost, as a real server's write would be. Tests assert what the client saw.
        }
    }

    private void acceptOne() {
        try (Socket s = listener.accept()) {
            connection = s;
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            Map<String, String> headers = readRequestHeaders(in);
            OutputStream o = s.getOutputStream();
            String auth = headers.getOrDefault("authorization", "");
            String token = requiredToken;
            if (token != null && !auth.equals("Bearer " + token)) {
                String body = auth.isEmpty() ? "missing websocket bearer token" : "invalid websocket bearer token";
                o.write(("HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: " + body.length()
                        + "\r\nconnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                o.flush();
                upgradeHeaders.complete(headers);
                return;
            }
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((headers.get("sec-websocket-key") + GUID).getBytes(StandardCharsets.US_ASCII)));
            synchronized (this) { // frames wait for this: a client that saw the 101 may have the test send at once
                o.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.flush();
                out = o;
            }
            upgradeHeaders.complete(headers);
            if (readNothing) {
                closed.await();
                return;
            }
            readFrames(new DataInputStream(in));
        } catch (IOException e) {
            // the connection ended
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            connectionEnded.complete(null);
            clientClose.complete(null);
        }
    }

    private static Map<String, String> readRequestHeaders(InputStream in) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        String line = readLine(in); // request line
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return headers;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c == -1) {
                throw new EOFException();
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    private void readFrames(DataInputStream in) throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] mask = new byte[4];
            if ((b1 & 0x80) != 0) {
                in.readFully(mask);
            }
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
            switch (opcode) {
                case 0x0, 0x1, 0x2 -> {
                    message.write(payload);
                    if (fin) {
                        received.add(message.toString(StandardCharsets.UTF_8));
                        message.reset();
                    }
                }
                case 0x8 -> {
                    clientClose.complete(payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005);
                    frame(0x8, true, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                    return;
                }
                case 0x9 -> {
                    pingsReceived.incrementAndGet();
                    pings.release();
                    if (answerPings) {
                        frame(0xA, true, payload);
                    }
                }
                default -> {
                    // pong: nothing to do
                }
            }
        }
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("not completed within 10 s", e);
        }
    }
}

package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@link BenchServer} over a WebSocket, for the benchmarks' WebSocket rows: the same answers and the same
 * notifications, one JSON message per text frame (the notification lines without their newline), flushed once
 * per chunk of input read (or once per flood). The server side of RFC 6455 and no more: the upgrade with its
 * {@code Sec-WebSocket-Accept}, unmasked frames out, masked frames in (fragments joined), pings answered,
 * a close frame echoed before the socket closes; no extensions, no subprotocol.
 *
 * <p>Run as {@code java ... WebSocketBenchServer}, in a process of its own (its JIT and GC apart from the JVM
 * measured): it listens on a free loopback port, prints its {@code ws://} URI as the first line of stdout, serves
 * each connection on a thread of its own (the client's and the baseline's connections share the compiled code),
 * and exits at stdin EOF.
 */
public final class WebSocketBenchServer {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;
    /** The largest message accepted from a client (the benchmarks send a few dozen bytes). */
    private static final int MAX_MESSAGE = 1 << 20;

    private final InputStream in;
    private final OutputStream out;
    private final byte[][] frames = notificationFrames();
    /** Where {@link BenchServer#answer} writes a response line, framed from there. */
    private final Scratch response = new Scratch();
    private final BenchServer answers = new BenchServer(null, response);
    /** A message in fragments, joined; empty between messages. */
    private final ByteArrayOutputStream fragments = new ByteArrayOutputStream();

    /** A running server process, started by {@link #start()}; {@link #close()} ends it. */
    record Handle(Process process, URI uri) implements AutoCloseable {

        /** Starts the server in a JVM of its own (the options of {@link BenchServerLauncher#JVM_OPTIONS}). */
        static Handle start() throws IOException {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(BenchServerLauncher.JVM_OPTIONS);
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(WebSocketBenchServer.class.getName());
            Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), US_ASCII));
            String first = out.readLine();
            if (first == null || !first.startsWith("ws://")) {
                process.destroyForcibly();
                throw new IOException("the WebSocket bench server did not start: " + first);
            }
            return new Handle(process, URI.create(first));
        }

        /** Closes the server's stdin, which ends it; kills it if it lingers. */
        @Override
        public void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private WebSocketBenchServer(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> acceptAll(listener), "ws-bench-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        System.out.println("ws://127.0.0.1:" + listener.getLocalPort() + "/");
        System.out.flush();
        while (System.in.read() >= 0) {
            // the parent holds stdin open while it needs the server
        }
        System.exit(0);
    }

    private static void acceptAll(ServerSocket listener) {
        int connections = 0;
        while (true) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            Thread connection = new Thread(() -> serve(socket), "ws-bench-" + ++connections);
            connection.setDaemon(true);
            connection.start();
        }
    }

    private static void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 18);
            if (upgrade(in, out)) {
                new WebSocketBenchServer(in, out).run();
            }
        } catch (IOException e) {
            // the connection ended
        }
    }

    /** The notification lines of {@link BenchServer#notificationLines()}, each as a whole text frame. */
    static byte[][] notificationFrames() {
        byte[][] lines = BenchServer.notificationLines();
        byte[][] frames = new byte[lines.length][];
        for (int i = 0; i < lines.length; i++) {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            try {
                writeFrame(frame, OP_TEXT, lines[i], 0, lines[i].length - 1);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            frames[i] = frame.toByteArray();
        }
        return frames;
    }

    /** Writes one unmasked, final frame. */
    static void writeFrame(OutputStream out, int opcode, byte[] payload, int from, int length) throws IOException {
        out.write(0x80 | opcode);
        if (length < 126) {
            out.write(length);
        } else if (length < 65536) {
            out.write(126);
            out.write(length >>> 8);
            out.write(length);
        } else {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) length >>> shift));
            }
        }
        out.write(payload, from, length);
    }

    // --- the upgrade -----------------------------------------------------------------------------------

    /** Reads the upgrade request and answers 101, or 400 (then {@code false}) without a WebSocket key. */
    private static boolean upgrade(InputStream in, OutputStream out) throws IOException {
        String key = null;
        boolean websocket = false;
        String line = readLine(in); // the request line
        while (!(line = readLine(in)).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("sec-websocket-key")) {
                key = value;
            } else if (name.equals("upgrade")) {
                websocket = value.equalsIgnoreCase("websocket");
            }
        }
        if (key == null || !websocket) {
            out.write("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".getBytes(US_ASCII));
            out.flush();
            return false;
        }
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept(key) + "\r\n\r\n").getBytes(US_ASCII));
        out.flush();
        return true;
    }

    /** The {@code Sec-WebSocket-Accept} for a client's key (RFC 6455, 4.2.2). */
    static String accept(String key) {
        try {
            return Base64.getEncoder().encodeToString(
                    MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One header line, byte by byte: nothing after the request's blank line is consumed. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new IOException("the connection ended during the upgrade");
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    // --- a client's side, for the smoke test and the ceiling ------------------------------------------

    /** Sends an upgrade request with the RFC's example key and reads the answer's head, which it returns. */
    static String clientUpgrade(OutputStream out, InputStream in) throws IOException {
        out.write(("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(US_ASCII));
        out.flush();
        StringBuilder head = new StringBuilder();
        String line;
        while (!(line = readLine(in)).isEmpty()) {
            head.append(line).append("\r\n");
        }
        return head.toString();
    }

    /** A client's frame: first byte {@code b0} (FIN and opcode), the payload masked. */
    static byte[] clientFrame(int b0, byte[] payload) {
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(b0);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length);
        }
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    // --- frames ----------------------------------------------------------------------------------------

    /** Reads frames until the close handshake or EOF; flushes once per chunk read, as {@link BenchServer} does. */
    private void run() throws IOException {
        BenchServer.readChunks(in, out, (buffer, start, scan, end) -> {
            int from = start;
            while (true) {
                int frameEnd = frameEnd(buffer, from, end);
                if (frameEnd == 0) {
                    return from; // incomplete: read more
                }
                if (frameEnd < 0) {
                    close(1002); // a protocol error: unmasked, oversized
                    return -1;
                }
                if (!frame(buffer, from, frameEnd)) {
                    return -1;
                }
                from = frameEnd;
            }
        });
    }

    /**
     * Where the frame at {@code start} ends if {@code b[start, end)} holds all of it; 0 if not yet; -1 for a frame
     * a server must refuse (unmasked, a message over {@link #MAX_MESSAGE}).
     */
    private static int frameEnd(byte[] b, int start, int end) {
        int available = end - start;
        if (available < 2) {
            return 0;
        }
        if ((b[start + 1] & 0x80) == 0) {
            return -1; // RFC 6455, 5.1: a client masks every frame
        }
        long length = b[start + 1] & 0x7F;
        int header = 2;
        if (length == 126) {
            if (available < 4) {
                return 0;
            }
            length = ((b[start + 2] & 0xFF) << 8) | (b[start + 3] & 0xFF);
            header = 4;
        } else if (length == 127) {
            if (available < 10) {
                return 0;
            }
            length = 0;
            for (int i = 2; i < 10; i++) {
                length = (length << 8) | (b[start + i] & 0xFF);
            }
            header = 10;
        }
        if (length > MAX_MESSAGE) {
            return -1;
        }
        long frameEnd = start + header + 4 + length;
        return frameEnd > end ? 0 : (int) frameEnd;
    }

    /** Handles the whole frame {@code b[start, frameEnd)}; {@code false} once the connection is to end. */
    private boolean frame(byte[] b, int start, int frameEnd) throws IOException {
        boolean fin = (b[start] & 0x80) != 0;
        int opcode = b[start] & 0x0F;
        int length7 = b[start + 1] & 0x7F;
        int maskAt = start + (length7 == 127 ? 10 : length7 == 126 ? 4 : 2);
        int from = maskAt + 4;
        for (int i = from; i < frameEnd; i++) {
            b[i] ^= b[maskAt + ((i - from) & 3)];
        }
        switch (opcode) {
            case OP_TEXT, OP_BINARY, OP_CONTINUATION -> {
                if (fin && fragments.size() == 0 && opcode != OP_CONTINUATION) {
                    message(b, from, frameEnd);
                } else {
                    fragments.write(b, from, frameEnd - from);
                    if (fragments.size() > MAX_MESSAGE) {
                        close(1009);
                        return false;
                    }
                    if (fin) {
                        byte[] whole = fragments.toByteArray();
                        fragments.reset();
                        message(whole, 0, whole.length);
                    }
                }
                return true;
            }
            case OP_PING -> {
                writeFrame(out, OP_PONG, b, from, frameEnd - from);
                return true;
            }
            case OP_PONG -> {
                return true;
            }
            case OP_CLOSE -> {
                writeFrame(out, OP_CLOSE, b, from, Math.min(2, frameEnd - from)); // the client's code back
                return false;
            }
            default -> {
                close(1002);
                return false;
            }
        }
    }

    private void close(int code) throws IOException {
        writeFrame(out, OP_CLOSE, new byte[] {(byte) (code >>> 8), (byte) code}, 0, 2);
        out.flush();
    }

    /** One message from the client: answered as {@link BenchServer} answers a line, a flood frame by frame. */
    private void message(byte[] b, int from, int to) throws IOException {
        BenchServer.Request request = BenchServer.parse(b, from, to);
        if (request == null) {
            return;
        }
        if (request.kind() == BenchServer.Kind.FLOOD) {
            byte[][] f = frames;
            for (long i = 0; i < request.argument(); i++) {
                out.write(f[(int) (i & (BenchServer.VARIANTS - 1))]);
            }
        }
        response.reset();
        answers.answer(request);
        writeFrame(out, OP_TEXT, response.bytes(), 0, response.size() - 1); // without its newline
    }

    /** A reusable buffer whose bytes can be framed without a copy. */
    private static final class Scratch extends ByteArrayOutputStream {
        byte[] bytes() {
            return buf;
        }
    }
}

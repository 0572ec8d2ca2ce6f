package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A fast stand-in for {@code codex app-server}, for benchmarks only: it must never be the bottleneck, so it
 * uses no JSON library, precomputes what it sends and writes through a large buffer, flushing once per chunk
 * of input (or once per flood).
 *
 * <p>Started as {@code <script> app-server} (see {@link BenchServerLauncher}); one JSON message per line on
 * stdin and stdout. Requests are recognised by a cheap scan: the first {@code "id":} followed by digits and
 * the first {@code "method":"...."}. Messages without an id (the {@code initialized} notification) are ignored.
 * <ul>
 *   <li>{@code initialize} → {@code {"id":X,"result":{"userAgent":"bench/0","codexHome":"/tmp",
 *       "platformFamily":"unix","platformOs":"linux"}}}
 *   <li>{@code bench/flood {"count":N}} → N {@code item/agentMessage/delta} notifications of about 230 bytes
 *       (the shape codex 0.169.0 sends, see {@code fixtures/real-codex-0.169.0/streamed-message.jsonl}), then
 *       {@code {"id":X,"result":{"sent":N}}}
 *   <li>anything else ({@code bench/echo}) → {@code {"id":X,"result":{"id":X,"seq":S}}}, where {@code S} is the
 *       first {@code "seq":} number of the request ({@code -1} if none), so callers can check routing.
 * </ul>
 * Stdin EOF exits 0.
 */
public final class BenchServer {

    /** Distinct notification lines the flood cycles through (a power of two). */
    static final int VARIANTS = 64;

    private static final byte[] ID = "\"id\":".getBytes(UTF_8);
    private static final byte[] METHOD = "\"method\":\"".getBytes(UTF_8);
    private static final byte[] COUNT = "\"count\":".getBytes(UTF_8);
    private static final byte[] SEQ = "\"seq\":".getBytes(UTF_8);
    private static final byte[] INITIALIZE = "initialize".getBytes(UTF_8);
    private static final byte[] FLOOD = "bench/flood".getBytes(UTF_8);
    private static final byte[] INIT_RESULT = (",\"result\":{\"userAgent\":\"bench/0\",\"codexHome\":\"/tmp\","
            + "\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}}\n").getBytes(UTF_8);

    private static final String THREAD_ID = "01a20194-ecd2-7cb2-9040-8a6e24876be4";
    private static final String TURN_ID = "01a20194-ece5-7cb2-9e21-85dc0b0148b3";
    private static final String[] DELTAS = {
        "Hello! Here is how the streaming",
        " parser handles this: it reads a ",
        "line, classifies it and hands it ",
        "on to\\nevery subscriber in order.",
        " The \\\"delta\\\" field carries text",
        " of a few words at a time, like th",
        "is one, so lines stay near 230 by",
        "tes \\u2014 as codex sends them.\\n\\n",
    };

    private final InputStream in;
    private final OutputStream out;
    private final byte[][] notifications = notificationLines();
    private final byte[] number = new byte[20];

    BenchServer(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 18);
        new BenchServer(new FileInputStream(FileDescriptor.in), out).run();
        out.flush();
        System.exit(0);
    }

    /** The precomputed notification lines, each ending in a newline. */
    static byte[][] notificationLines() {
        byte[][] lines = new byte[VARIANTS][];
        long emitted = 1795322867078L;
        for (int i = 0; i < VARIANTS; i++) {
            String line = "{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"" + THREAD_ID
                    + "\",\"turnId\":\"" + TURN_ID + "\",\"itemId\":\"msg_" + (1 + i / 16) + "\",\"delta\":\""
                    + DELTAS[i % DELTAS.length] + "\"},\"emittedAtMs\":" + (emitted + i) + "}\n";
            lines[i] = line.getBytes(UTF_8);
        }
        return lines;
    }

    /** Reads lines until EOF; flushes once per chunk read, so pipelined requests are answered in batches. */
    void run() throws IOException {
        readChunks(in, out, (buffer, start, scan, end) -> {
            int from = start;
            for (int i = scan; i < end; i++) {
                if (buffer[i] == '\n') {
                    line(buffer, from, i);
                    from = i + 1;
                }
            }
            return from;
        });
    }

    /** What {@link #readChunks} hands each chunk to. */
    interface Messages {
        /**
         * Handles the complete messages in {@code buffer[start, end)}, of which {@code [scan, end)} was just read;
         * returns where the incomplete rest begins, or -1 to stop reading.
         */
        int handle(byte[] buffer, int start, int scan, int end) throws IOException;
    }

    /**
     * Reads {@code in} in chunks into a buffer that grows to hold a whole message, hands each chunk to
     * {@code messages}, and flushes {@code out} once per chunk; returns at EOF or when {@code messages} says stop.
     */
    static void readChunks(InputStream in, OutputStream out, Messages messages) throws IOException {
        byte[] buffer = new byte[1 << 16];
        int start = 0;
        int end = 0;
        while (true) {
            if (end == buffer.length) {
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                } else {
                    buffer = Arrays.copyOf(buffer, buffer.length * 2);
                }
            }
            int n = in.read(buffer, end, buffer.length - end);
            if (n < 0) {
                return;
            }
            int scan = end;
            end += n;
            start = messages.handle(buffer, start, scan, end);
            if (start < 0) {
                out.flush();
                return;
            }
            if (start == end) {
                start = 0;
                end = 0;
            }
            out.flush();
        }
    }

    /** What a request asks for (anything not {@code initialize} or {@code bench/flood} is an echo). */
    enum Kind { INITIALIZE, FLOOD, ECHO }

    /** A request: its id, what it asks for, and its {@code "count":} (flood) or {@code "seq":} (echo), else -1. */
    record Request(long id, Kind kind, long argument) {}

    /** The request in {@code b[from, to)}, one JSON message; {@code null} for a notification (no id). */
    static Request parse(byte[] b, int from, int to) {
        int idAt = indexOf(b, from, to, ID);
        if (idAt < 0) {
            return null; // a notification from the client (initialized): nothing to answer
        }
        long id = number(b, idAt + ID.length, to);
        int methodAt = indexOf(b, from, to, METHOD);
        int methodStart = methodAt < 0 ? to : methodAt + METHOD.length;
        if (regionEquals(b, methodStart, to, INITIALIZE)) {
            return new Request(id, Kind.INITIALIZE, -1);
        } else if (regionEquals(b, methodStart, to, FLOOD)) {
            int countAt = indexOf(b, from, to, COUNT);
            return new Request(id, Kind.FLOOD, countAt < 0 ? 0 : number(b, countAt + COUNT.length, to));
        }
        int seqAt = indexOf(b, from, to, SEQ);
        return new Request(id, Kind.ECHO, seqAt < 0 ? -1 : number(b, seqAt + SEQ.length, to));
    }

    private void line(byte[] b, int from, int to) throws IOException {
        Request request = parse(b, from, to);
        if (request == null) {
            return;
        }
        if (request.kind() == Kind.FLOOD) {
            byte[][] lines = notifications;
            for (long i = 0; i < request.argument(); i++) {
                out.write(lines[(int) (i & (VARIANTS - 1))]);
            }
        }
        answer(request);
    }

    /** Writes the response line to {@code request}, newline included (the flood's notifications go before it). */
    void answer(Request request) throws IOException {
        writeIdPrefix(request.id());
        switch (request.kind()) {
            case INITIALIZE -> out.write(INIT_RESULT);
            case FLOOD -> {
                write(",\"result\":{\"sent\":");
                writeNumber(request.argument());
                write("}}\n");
            }
            case ECHO -> {
                write(",\"result\":{\"id\":");
                writeNumber(request.id());
                write(",\"seq\":");
                writeNumber(request.argument());
                write("}}\n");
            }
        }
    }

    private void writeIdPrefix(long id) throws IOException {
        write("{\"id\":");
        writeNumber(id);
    }

    private void write(String ascii) throws IOException {
        for (int i = 0; i < ascii.length(); i++) {
            out.write(ascii.charAt(i));
        }
    }

    private void writeNumber(long value) throws IOException {
        if (value < 0) {
            out.write('-');
            value = -value;
        }
        int pos = number.length;
        do {
            number[--pos] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        out.write(number, pos, number.length - pos);
    }

    private static long number(byte[] b, int from, int to) {
        int i = from;
        while (i < to && b[i] == ' ') {
            i++;
        }
        boolean negative = i < to && b[i] == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        while (i < to && b[i] >= '0' && b[i] <= '9') {
            value = value * 10 + (b[i++] - '0');
        }
        return negative ? -value : value;
    }

    private static boolean regionEquals(byte[] b, int from, int to, byte[] word) {
        if (to - from < word.length + 1 || b[from + word.length] != '"') {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (b[from + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] b, int from, int to, byte[] word) {
        byte first = word[0];
        int last = to - word.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (b[i] != first) {
                continue;
            }
            for (int j = 1; j < word.length; j++) {
                if (b[i + j] != word[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}

package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportClosed;
import dev.codex4j.appserver.transport.TransportListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process fake app-server for the pool benchmarks: answers the handshake, {@code thread/start} and
 * {@code turn/start}, and streams each turn as codex does ({@code turn/started}, {@code deltas}
 * {@code item/agentMessage/delta} notifications of about 200 bytes, the message's {@code item/completed}, then
 * {@code turn/completed}), all on one server thread per connection that is also the connection's reader (as a
 * real transport's reader is). No JSON library: requests are recognised by a scan, replies are built from
 * strings. Anything else with an id gets {@code {}}.
 *
 * <p>A holding fake ({@link #holding}) stops each turn after its deltas, before {@code item/completed}: the turn
 * stays running until {@link #finishHeld()}, so that the heap of running turns can be measured.
 */
final class TurnBenchTransport implements Transport {

    private static final byte[] STOP = new byte[0];
    private static final byte[] FINISH_HELD = new byte[0];
    private static final int BATCH = 64;
    private static final AtomicInteger CONNECTIONS = new AtomicInteger();

    private final int deltas;
    private final boolean hold;
    /** Turns held running, as {threadId, turnId}; touched by the server thread only. */
    private final List<String[]> held = new ArrayList<>();
    private final String prefix = "c" + CONNECTIONS.incrementAndGet() + "-";
    private final BlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger ids = new AtomicInteger();
    private volatile TransportListener listener;
    private Thread server;

    TurnBenchTransport(int deltas) {
        this(deltas, false);
    }

    private TurnBenchTransport(int deltas, boolean hold) {
        this.deltas = deltas;
        this.hold = hold;
    }

    /** A fake whose turns stream their deltas and then stay running until {@link #finishHeld()}. */
    static TurnBenchTransport holding(int deltas) {
        return new TurnBenchTransport(deltas, true);
    }

    /** Ends every turn held so far: {@code item/completed}, then {@code turn/completed}. */
    void finishHeld() {
        inbox.add(FINISH_HELD);
    }

    @Override
    public void start(TransportListener listener) {
        this.listener = listener;
        server = new Thread(this::serve, "bench-turn-server-" + prefix);
        server.setDaemon(true);
        server.start();
    }

    @Override
    public void send(byte[] message) throws IOException {
        if (closed.get()) {
            throw new IOException("closed");
        }
        inbox.add(message);
    }

    private void serve() {
        try {
            for (byte[] message = inbox.take(); message != STOP; message = inbox.take()) {
                if (message == FINISH_HELD) {
                    held.forEach(turn -> finish(turn[0], turn[1]));
                    held.clear();
                    listener.onBatchEnd();
                } else {
                    answer(new String(message, UTF_8));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        listener.onClosed(new TransportClosed("closed by client", 0, List.of(), true, null));
    }

    private void answer(String message) {
        String method = between(message, "\"method\":\"", "\"");
        String id = idOf(message);
        if (id == null) {
            return; // the initialized notification
        }
        switch (method) {
            case "initialize" -> line("{\"id\":" + id + ",\"result\":{\"userAgent\":\"bench/0\",\"codexHome\":\"/tmp\","
                    + "\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}}");
            case "thread/start" -> line("{\"id\":" + id + ",\"result\":{\"thread\":{\"id\":\"" + prefix + "th-"
                    + ids.incrementAndGet() + "\",\"status\":{\"type\":\"idle\"}}}}");
            case "turn/start" -> turn(id, between(message, "\"threadId\":\"", "\""));
            default -> line("{\"id\":" + id + ",\"result\":{}}");
        }
        listener.onBatchEnd();
    }

    private void turn(String id, String threadId) {
        String turnId = prefix + "t-" + ids.incrementAndGet();
        String inProgress = "{\"id\":\"" + turnId + "\",\"items\":[],\"status\":\"inProgress\"}";
        line("{\"id\":" + id + ",\"result\":{\"turn\":" + inProgress + "}}");
        line("{\"method\":\"turn/started\",\"params\":{\"threadId\":\"" + threadId + "\",\"turn\":" + inProgress + "}}");
        byte[] delta = ("{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"" + threadId
                + "\",\"turnId\":\"" + turnId + "\",\"itemId\":\"msg_bench\",\"delta\":\"a few words of streamed text, "
                + "as codex sends them \"}}").getBytes(UTF_8);
        for (int i = 0; i < deltas; i++) {
            listener.onLine(delta, 0, delta.length);
            if (i % BATCH == BATCH - 1) {
                listener.onBatchEnd();
            }
        }
        if (hold) {
            held.add(new String[] {threadId, turnId});
        } else {
            finish(threadId, turnId);
        }
    }

    private void finish(String threadId, String turnId) {
        line("{\"method\":\"item/completed\",\"params\":{\"threadId\":\"" + threadId + "\",\"turnId\":\"" + turnId
                + "\",\"item\":{\"type\":\"agentMessage\",\"id\":\"msg_bench\",\"text\":\"done\"}}}");
        line("{\"method\":\"turn/completed\",\"params\":{\"threadId\":\"" + threadId + "\",\"turn\":{\"id\":\"" + turnId
                + "\",\"items\":[],\"status\":\"completed\"}}}");
    }

    private void line(String text) {
        byte[] bytes = text.getBytes(UTF_8);
        listener.onLine(bytes, 0, bytes.length);
    }

    private static String idOf(String message) {
        int at = message.indexOf("\"id\":");
        if (at < 0) {
            return null;
        }
        int start = at + 5;
        int end = start;
        while (end < message.length() && Character.isDigit(message.charAt(end))) {
            end++;
        }
        return end > start ? message.substring(start, end) : null;
    }

    private static String between(String text, String before, String after) {
        int start = text.indexOf(before);
        if (start < 0) {
            return "";
        }
        start += before.length();
        return text.substring(start, text.indexOf(after, start));
    }

    @Override
    public List<String> diagnosticTail() {
        return List.of();
    }

    @Override
    public void close(Duration grace) {
        if (closed.compareAndSet(false, true)) {
            inbox.add(STOP);
        }
    }

    @Override
    public void close() {
        close(Duration.ZERO);
    }
}

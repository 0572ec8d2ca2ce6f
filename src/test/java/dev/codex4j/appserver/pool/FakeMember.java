package dev.codex4j.appserver.pool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.testing.InMemoryTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory app-server for pool tests: answers the handshake, {@code thread/start}, {@code thread/resume},
 * {@code thread/read} and {@code turn/start} at once (each new transport, also after a restart), records every
 * turn started, and ends a turn only when the test says so ({@link #complete}).
 */
final class FakeMember {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One turn the server started. */
    record StartedTurn(String threadId, String turnId) {}

    final String name;
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicInteger refusals = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger handshakeDeaths = new AtomicInteger();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<StartedTurn> started = new LinkedBlockingQueue<>();
    /** Every turn/start this member received, in order: which threads' turns ran here. */
    final List<String> turnThreads = new CopyOnWriteArrayList<>();
    final List<String> methods = new CopyOnWriteArrayList<>();
    private volatile InMemoryTransport transport;
    /** While set, requests get no answer (a process that hangs); they are answered by {@link #answerAgain()}. */
    private boolean stalled;
    private final List<Runnable> held = new java.util.ArrayList<>();

    FakeMember(String name) {
        this.name = name;
    }

    /** A client builder whose every connection is a new in-memory transport to this fake. */
    AppServerClientBuilder builder() {
        return AppServerClient.builder().transport(this::connect).requestTimeout(Duration.ofSeconds(20));
    }

    /** Refuses the next {@code count} connections, as a server that is not up yet (say, a pod still starting). */
    void refuseConnections(int count) {
        refusals.set(count);
    }

    /** The next {@code count} servers exit when asked to {@code initialize}, as one still starting up. */
    void dieInHandshake(int count) {
        handshakeDeaths.set(count);
    }

    /** Connections refused so far (see {@link #refuseConnections}). */
    int refusedConnections() {
        return refused.get();
    }

    private InMemoryTransport connect() {
        if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            refused.incrementAndGet();
            throw new UncheckedIOException(new java.net.ConnectException("connection refused: " + name
                    + " is not up yet"));
        }
        InMemoryTransport t = new InMemoryTransport();
        t.onWrite(line -> answer(t, line));
        transport = t;
        return t;
    }

    private void answer(InMemoryTransport t, String line) {
        synchronized (held) {
            if (stalled) {
                held.add(() -> answer(t, line));
                return;
            }
        }
        JsonNode message;
        try {
            message = JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String method = message.path("method").asText();
        JsonNode id = message.get("id");
        methods.add(method);
        JsonNode params = message.path("params");
        String threadId = params.path("threadId").asText();
        switch (method) {
            case "initialize" -> {
                if (handshakeDeaths.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    t.serverExits(1, "not ready");
                    return;
                }
                reply(t, id, "{\"userAgent\":\"fake/0.0.0\",\"codexHome\":\"/tmp/" + name
                    + "\",\"platformFamily\":\"unix\",\"platformOs\":\"linux\"}");
            }
            case "thread/start", "thread/fork" -> {
                String newId = name + "-th-" + ids.incrementAndGet();
                threads.add(newId);
                reply(t, id, "{\"thread\":" + thread(newId) + "}");
            }
            case "thread/resume", "thread/read" -> {
                if (threads.contains(threadId)) {
                    reply(t, id, "{\"thread\":" + thread(threadId) + "}");
                } else {
                    t.serverSends("{\"id\":" + id + ",\"error\":{\"code\":-32600,\"message\":\"thread not loaded: "
                            + threadId + "\"}}");
                }
            }
            case "turn/start" -> {
                String turnId = name + "-t-" + ids.incrementAndGet();
                turnThreads.add(threadId);
                reply(t, id, "{\"turn\":" + turn(turnId, "inProgress") + "}");
                t.serverSends(notification("turn/started", threadId, turn(turnId, "inProgress")));
                started.add(new StartedTurn(threadId, turnId));
            }
            case "turn/interrupt" -> {
                reply(t, id, "{}");
                t.serverSends(notification("turn/completed", threadId,
                        turn(params.path("turnId").asText(), "interrupted")));
            }
            default -> {
                if (id != null) {
                    reply(t, id, "{}");
                }
            }
        }
    }

    /** The next turn this member started, waiting up to {@code wait}. */
    StartedTurn nextStartedTurn(Duration wait) {
        try {
            StartedTurn turn = started.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            if (turn == null) {
                throw new AssertionError("member " + name + " started no turn within " + wait);
            }
            return turn;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Turns started and not yet taken by {@link #nextStartedTurn}. */
    int pendingStartedTurns() {
        return started.size();
    }

    /** The server ends {@code turn} as completed, with {@code text} as its final message. */
    void complete(StartedTurn turn, String text) {
        transport.serverSends("{\"method\":\"item/completed\",\"params\":{\"threadId\":\"" + turn.threadId()
                + "\",\"turnId\":\"" + turn.turnId() + "\",\"item\":{\"type\":\"agentMessage\",\"id\":\"m\",\"text\":\""
                + text + "\"}}}");
        transport.serverSends(notification("turn/completed", turn.threadId(), turn(turn.turnId(), "completed")));
    }

    /** The server stops answering, on this connection and any new one, until {@link #answerAgain()}. */
    void stall() {
        synchronized (held) {
            stalled = true;
        }
    }

    /** The server answers again: first what it held back, in order (on whichever connection it came). */
    void answerAgain() {
        List<Runnable> backlog;
        synchronized (held) {
            stalled = false;
            backlog = List.copyOf(held);
            held.clear();
        }
        backlog.forEach(Runnable::run);
    }

    /** The server process dies (exit code 137, as after {@code kill -9}). */
    void kill() {
        transport.serverExits(137, "killed");
    }

    private static void reply(InMemoryTransport t, JsonNode id, String result) {
        t.serverSends("{\"id\":" + id + ",\"result\":" + result + "}");
    }

    private static String thread(String id) {
        return "{\"id\":\"" + id + "\",\"status\":{\"type\":\"idle\"}}";
    }

    private static String turn(String id, String status) {
        return "{\"id\":\"" + id + "\",\"items\":[],\"status\":\"" + status + "\"}";
    }

    private static String notification(String method, String threadId, String turn) {
        return "{\"method\":\"" + method + "\",\"params\":{\"threadId\":\"" + threadId + "\",\"turn\":" + turn + "}}";
    }

    /** A pool builder with one shared-group member per fake, named as the fake. */
    static AppServerPool.Builder poolOf(Map<String, FakeMember> fakes) {
        AppServerPool.Builder builder = AppServerPool.builder();
        fakes.forEach((name, fake) -> builder.member(name, fake.builder()));
        return builder;
    }

    static Map<String, FakeMember> named(String... names) {
        Map<String, FakeMember> all = new java.util.LinkedHashMap<>();
        for (String n : names) {
            all.put(n, new FakeMember(n));
        }
        return all;
    }
}

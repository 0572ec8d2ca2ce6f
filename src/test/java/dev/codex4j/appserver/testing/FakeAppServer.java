package dev.codex4j.appserver.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scripted stand-in for {@code codex app-server}, started by tests as a real subprocess (see
 * {@link FakeAppServerLauncher}) to produce faults the real binary cannot produce on demand.
 *
 * <p>Wire format as the real server: one JSON message per line over stdin/stdout, UTF-8, no
 * {@code "jsonrpc"} field. By default it behaves like a minimal real server: {@code initialize} is
 * answered {@code {userAgent:"fake/0.0.0", codexHome:$CODEX_HOME or "/tmp/fake", platformFamily:"unix",
 * platformOs:"linux"}}; other requests before it get error -32600 "Not initialized"; a second one gets
 * -32600 "Already initialized"; the {@code initialized} notification is followed by a
 * {@code configWarning} notification; {@code echo} answers its params; any other method gets -32601
 * "method not found: &lt;method&gt;". Like the real server, {@code thread/start} answers
 * {@code {thread:{id:"fake-thread-<n>"}}} after a {@code thread/started} notification, and
 * {@code thread/resume} {@code {threadId}} answers {@code {thread:{id:threadId}}}. Stdin EOF exits 0.
 *
 * <p>Tests steer it with startup flags (after the {@code app-server} argument the client always
 * passes; unknown arguments are logged to stderr and ignored) and with {@code fake/*} control
 * requests, which work before the handshake too. Bad control params get error -32602.
 *
 * <p>Startup flags:
 * <ul>
 *   <li>{@code --stderr-on-start <text>} (repeatable): writes the line to stderr at startup.
 *   <li>{@code --exit-at-start <code>}: writes "fatal: simulated startup failure" to stderr and exits.
 *   <li>{@code --ignore-sigterm}: survives SIGTERM, logging "fake: ignoring SIGTERM" to stderr.
 *   <li>{@code --spawn-grandchild}: starts {@code sleep 600}, which outlives the fake unless killed,
 *       and writes {@code grandchild-pid=<pid>} to stderr before reading stdin. Its stdio is detached
 *       unless {@code --grandchild-inherits-stdio} is also given (then it holds the pipes open, like
 *       the native binary under the npm Node launcher).
 *   <li>{@code --no-handshake-reply}: never answers {@code initialize}.
 *   <li>{@code --ignore-stdin-eof}: keeps running after stdin EOF until killed.
 *   <li>{@code --shuffle-responses[=maxMs]}: delays each reply to an ordinary (non-{@code fake/*},
 *       non-{@code initialize}) request by a random 0..maxMs (default 50) ms, so concurrent requests
 *       are answered out of order.
 *   <li>{@code --relay <socket>}: the fake becomes a pipe to the test, which scripts the server itself (see
 *       {@link FakeAppServerRelay}). It connects to the Unix-domain socket at that path and forwards every line
 *       it reads from stdin there, answering nothing on its own (no handshake, no control methods); each line
 *       the test writes back is a command: {@code {"stdout": line}} writes the line verbatim to stdout,
 *       {@code {"exit": code, "stderr"?: [string...]}} writes the lines to stderr and exits with that code.
 *       Stdin EOF still exits 0.
 * </ul>
 *
 * <p>Control methods: see the Javadoc of the private method of the same name below ({@code fake/emit},
 * {@code fake/emitBytes}, {@code fake/serverRequest}, {@code fake/delay}, {@code fake/noReply},
 * {@code fake/error}, {@code fake/exit}, {@code fake/closeStdout}, {@code fake/stderr},
 * {@code fake/notify}, {@code fake/outOfOrder}, {@code fake/inspect}, {@code fake/closeStdin},
 * {@code fake/bigLine}, {@code fake/failNext}).
 */
public final class FakeAppServer {

    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Options options;
    private final Sink stdout = new Sink(new FileOutputStream(FileDescriptor.out));
    private final Sink stderr = new Sink(new FileOutputStream(FileDescriptor.err));
    private final ScheduledExecutorService scheduler =
            Executors.newScheduledThreadPool(4, daemonThreads("fake-scheduler"));
    private final ExecutorService workers = Executors.newCachedThreadPool(daemonThreads("fake-worker"));
    private final Map<String, CompletableFuture<JsonNode>> pendingServerRequests = new ConcurrentHashMap<>();
    private final AtomicLong nextServerRequestId = new AtomicLong();

    // Touched by the stdin thread only.
    private boolean initialized;
    private boolean initializedNotification;
    private boolean stayAliveAfterStdinEof;
    private JsonNode initializeParams = NullNode.getInstance();
    private final ArrayNode clientNotifications = JSON.createArrayNode();
    private final ArrayNode clientReplies = JSON.createArrayNode();
    private HeldReplies held;
    private boolean stdinClosedOnPurpose;
    private final ArrayNode requestMethods = JSON.createArrayNode();
    private final Map<String, FailNext> failNext = new java.util.HashMap<>();
    private int threadsStarted;
    /** The socket to the test with {@code --relay}, else {@code null}; set before stdin is read. */
    private RelayChannel relay;

    private FakeAppServer(Options options) {
        this.options = options;
        this.stayAliveAfterStdinEof = options.ignoreStdinEof;
    }

    public static void main(String[] args) throws Exception {
        new FakeAppServer(Options.parse(args)).run();
    }

    private void run() throws IOException, InterruptedException {
        start();
        readStdin(System.in);
        if (stayAliveAfterStdinEof) {
            sleepUntilKilled();
        }
        System.exit(0);
    }

    private void start() throws IOException {
        options.stderrOnStart.forEach(line -> stderr.writeLine(line));
        if (options.exitAtStart != null) {
            stderr.writeLine("fatal: simulated startup failure");
            Runtime.getRuntime().halt(options.exitAtStart);
        }
        options.ignored.forEach(arg -> log("ignoring argument " + arg));
        if (options.ignoreSigterm) {
            // Replacing the JVM's handler is what keeps SIGTERM from starting the shutdown. sun.misc.Signal
            // is the only way on JDK 17; javac's "internal proprietary API" warning for it cannot be suppressed.
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> log("ignoring SIGTERM"));
        }
        if (options.spawnGrandchild) {
            ProcessBuilder builder = new ProcessBuilder("sleep", "600");
            if (options.grandchildInheritsStdio) {
                builder.inheritIO();
            } else {
                builder.redirectInput(new File("/dev/null"))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD);
            }
            stderr.writeLine("grandchild-pid=" + builder.start().pid());
        }
        if (options.relay != null) {
            relay = RelayChannel.connect(Path.of(options.relay));
            daemonThreads("fake-relay").newThread(this::relayCommands).start();
        }
    }

    /** Carries out what the test writes to the relay socket, in order, until it closes its end. */
    private void relayCommands() {
        try {
            byte[] line;
            while ((line = relay.readLine()) != null) {
                JsonNode command = JSON.readTree(line);
                if (command.has("stdout")) {
                    stdout.writeLine(command.get("stdout").asText());
                } else if (command.has("exit")) {
                    stringList(command, "stderr", false).forEach(text -> stderr.writeLine(text));
                    Runtime.getRuntime().halt(command.get("exit").asInt());
                } else {
                    log("ignoring relay command " + command);
                }
            }
        } catch (IOException | RuntimeException e) {
            log("relay from the test failed: " + e);
        }
    }

    private void readStdin(InputStream in) throws IOException {
        // Split on '\n' ourselves so the bytes of each line reach the JSON parser untouched.
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = readOrEof(in)) != -1) {
            if (b == '\n') {
                handleLine(line.toByteArray());
                line.reset();
            } else {
                line.write(b);
            }
        }
        if (line.size() > 0) {
            handleLine(line.toByteArray());
        }
    }

    /** A read of a stdin that fake/closeStdin closed counts as its end. */
    private int readOrEof(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (IOException e) {
            if (stdinClosedOnPurpose) {
                return -1;
            }
            throw e;
        }
    }

    private void handleLine(byte[] line) {
        if (relay != null) {
            try {
                relay.writeLine(line);
            } catch (IOException e) {
                log("relay to the test failed: " + e);
            }
            return;
        }
        if (new String(line, UTF_8).isBlank()) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(line);
        } catch (IOException e) {
            log("ignoring unparseable line: " + new String(line, UTF_8));
            return;
        }
        try {
            dispatch(message);
        } catch (RuntimeException e) {
            // One bad message must not take the whole fake down.
            log("failed to handle " + message + ": " + e);
        }
    }

    private void dispatch(JsonNode message) {
        if (!message.isObject()) {
            log("ignoring non-object message: " + message);
            return;
        }
        JsonNode method = message.get("method");
        JsonNode id = message.get("id");
        if (method != null && method.isTextual()) {
            JsonNode params = message.get("params");
            if (id != null) {
                handleRequest(method.textValue(), id, params);
            } else {
                handleNotification(message);
            }
        } else if (id != null) {
            handleReply(message);
        } else {
            log("ignoring message without method or id: " + message);
        }
    }

    private void handleRequest(String method, JsonNode id, JsonNode params) {
        if (!method.startsWith("fake/")) {
            requestMethods.add(method);
        }
        if (method.startsWith("fake/")) {
            handleControl(method, id, params);
        } else if (method.equals("initialize")) {
            handleInitialize(id, params);
        } else if (!initialized) {
            sendError(id, INVALID_REQUEST, "Not initialized", null);
        } else if (failNextCall(method, id)) {
            return;
        } else if (method.equals("thread/start")) {
            String threadId = "fake-thread-" + (++threadsStarted);
            ObjectNode thread = JSON.createObjectNode().put("id", threadId);
            send(notification("thread/started", JSON.createObjectNode().set("thread", thread)));
            replyOrdinary(result(id, JSON.createObjectNode().set("thread", thread.deepCopy())));
        } else if (method.equals("thread/resume")) {
            String threadId = params == null ? "" : params.path("threadId").asText("");
            if (threadId.isEmpty() || threadId.startsWith("unknown")) {
                replyOrdinary(error(id, INVALID_REQUEST, "no rollout found for thread id " + threadId, null));
            } else {
                replyOrdinary(result(id, JSON.createObjectNode().set("thread",
                        JSON.createObjectNode().put("id", threadId))));
            }
        } else if (method.equals("echo")) {
            replyOrdinary(result(id, params == null ? NullNode.getInstance() : params));
        } else {
            replyOrdinary(error(id, METHOD_NOT_FOUND, "method not found: " + method, null));
        }
    }

    private void handleInitialize(JsonNode id, JsonNode params) {
        if (initialized) {
            sendError(id, INVALID_REQUEST, "Already initialized", null);
            return;
        }
        initializeParams = params == null ? NullNode.getInstance() : params;
        if (options.noHandshakeReply) {
            return;
        }
        String codexHome = System.getenv("CODEX_HOME");
        ObjectNode result = JSON.createObjectNode()
                .put("userAgent", "fake/0.0.0")
                .put("codexHome", codexHome == null || codexHome.isEmpty() ? "/tmp/fake" : codexHome)
                .put("platformFamily", "unix")
                .put("platformOs", "linux");
        initialized = true;
        send(result(id, result));
    }

    private void handleNotification(JsonNode message) {
        clientNotifications.add(message);
        if (message.get("method").textValue().equals("initialized") && initialized && !initializedNotification) {
            initializedNotification = true;
            // The real server warns about its config right after the handshake; clients must cope.
            ObjectNode warning = JSON.createObjectNode()
                    .put("summary", "fake: simulated config warning")
                    .put("details", "sent by FakeAppServer after the handshake, as the real server does");
            send(notification("configWarning", warning));
        }
    }

    private void handleReply(JsonNode message) {
        clientReplies.add(message);
        CompletableFuture<JsonNode> pending = pendingServerRequests.remove(idKey(message.get("id")));
        if (pending == null) {
            log("reply to unknown server request: " + message);
        } else {
            pending.complete(message);
        }
    }

    private void handleControl(String method, JsonNode id, JsonNode rawParams) {
        try {
            JsonNode params = rawParams == null || rawParams.isNull() ? JSON.createObjectNode() : rawParams;
            if (!params.isObject()) {
                throw new BadParams("params must be an object");
            }
            switch (method) {
                case "fake/emit" -> emit(id, params);
                case "fake/emitBytes" -> emitBytes(id, params);
                case "fake/serverRequest" -> serverRequest(id, params);
                case "fake/delay" -> delay(id, params);
                case "fake/noReply" -> noReply();
                case "fake/error" -> error(id, params);
                case "fake/exit" -> exit(params);
                case "fake/closeStdout" -> closeStdout(params);
                case "fake/stderr" -> stderr(id, params);
                case "fake/notify" -> notify(id, params);
                case "fake/outOfOrder" -> outOfOrder(id, params);
                case "fake/inspect" -> inspect(id);
                case "fake/closeStdin" -> closeStdin(id);
                case "fake/bigLine" -> bigLine(id, params);
                case "fake/failNext" -> failNext(id, params);
                default -> sendError(id, METHOD_NOT_FOUND, "method not found: " + method, null);
            }
        } catch (BadParams e) {
            sendError(id, INVALID_PARAMS, "invalid params for " + method + ": " + e.getMessage(), null);
        }
    }

    /**
     * {@code fake/emit} {@code {lines: [string...], then?: "respond"|"none"}}: writes each string
     * verbatim as one stdout line (garbage, blank lines, arrays, forged responses...), then answers
     * {@code {}} unless {@code then} is "none". In each line the token <code>{{id}}</code> becomes this
     * request's id as JSON, to forge an early or duplicate response to this very call. The lines are
     * written before the next request is read.
     */
    private void emit(JsonNode id, JsonNode params) {
        List<String> lines = stringList(params, "lines", true);
        boolean respond = thenRespond(params);
        String idJson = id.toString();
        for (String line : lines) {
            stdout.writeLine(line.replace("{{id}}", idJson));
        }
        if (respond) {
            send(result(id, JSON.createObjectNode()));
        }
    }

    /**
     * {@code fake/emitBytes} {@code {base64: string}} or {@code {chunks: [base64...], pauseMs?: n}},
     * plus {@code then?: "respond"|"none"}: writes the decoded bytes verbatim (no newline added; end
     * them with one if the answer {@code {}} should land on its own line), each chunk flushed on its
     * own, with pauseMs between chunks and nothing else written in between. With a pause it runs on a
     * worker thread so requests keep being read meanwhile; otherwise the bytes go out before the next
     * request is read.
     */
    private void emitBytes(JsonNode id, JsonNode params) {
        List<byte[]> chunks = new ArrayList<>();
        try {
            if (params.has("base64")) {
                chunks.add(Base64.getDecoder().decode(requiredText(params, "base64")));
            } else {
                for (String chunk : stringList(params, "chunks", true)) {
                    chunks.add(Base64.getDecoder().decode(chunk));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new BadParams("bad base64: " + e.getMessage());
        }
        long pauseMs = longParam(params, "pauseMs", 0);
        boolean respond = thenRespond(params);
        Runnable write = () -> {
            try {
                stdout.writeChunks(chunks, pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (respond) {
                send(result(id, JSON.createObjectNode()));
            }
        };
        if (pauseMs > 0) {
            workers.execute(write);
        } else {
            write.run();
        }
    }

    /**
     * {@code fake/serverRequest} {@code {method: string, params?: any, id?: number|string}}: sends the
     * server-to-client request {@code {method, id, params}} (ids count from 0 unless given) and, once
     * the client replies, answers this call with {@code {reply: <the client's whole reply message>}}.
     * Everything else keeps being handled while the reply is awaited.
     */
    private void serverRequest(JsonNode id, JsonNode params) {
        String method = requiredText(params, "method");
        JsonNode requestId = params.has("id")
                ? params.get("id")
                : LongNode.valueOf(nextServerRequestId.getAndIncrement());
        if (!requestId.isNumber() && !requestId.isTextual()) {
            throw new BadParams("id must be a number or a string");
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        // Registered before sending: the reply may come back before send() returns.
        if (pendingServerRequests.putIfAbsent(idKey(requestId), reply) != null) {
            throw new BadParams("a server request with id " + requestId + " is already pending");
        }
        reply.thenAccept(message -> send(result(id, JSON.createObjectNode().set("reply", message))));
        ObjectNode request = JSON.createObjectNode().put("method", method);
        request.set("id", requestId);
        if (params.has("params")) {
            request.set("params", params.get("params"));
        }
        send(request);
    }

    /**
     * {@code fake/delay} {@code {ms: n, result?: any, error?: {code, message, data?}}}: answers after
     * ms milliseconds with result (default {@code {}}) or, if given, that error. Scheduled, so other
     * requests are answered meanwhile.
     */
    private void delay(JsonNode id, JsonNode params) {
        long ms = longParam(params, "ms", -1);
        if (ms < 0) {
            throw new BadParams("ms must be given and not negative");
        }
        ObjectNode reply = params.has("error")
                ? errorFromParams(id, params.get("error"))
                : result(id, params.has("result") ? params.get("result") : JSON.createObjectNode());
        scheduler.schedule(() -> send(reply), ms, TimeUnit.MILLISECONDS);
    }

    /** {@code fake/noReply} {@code {}}: never answered. */
    private void noReply() {
        // Nothing: the point is silence.
    }

    /**
     * {@code fake/error} {@code {code: n, message: string, data?: any}}: answers with that error,
     * e.g. -32001 "Server overloaded; retry later.".
     */
    private void error(JsonNode id, JsonNode params) {
        send(errorFromParams(id, params));
    }

    /**
     * {@code fake/exit} {@code {code?: n (default 1), stderr?: [string...]}}: writes the lines to
     * stderr, then exits at once with that code, without answering.
     */
    private void exit(JsonNode params) {
        int code = (int) longParam(params, "code", 1);
        stringList(params, "stderr", false).forEach(line -> stderr.writeLine(line));
        Runtime.getRuntime().halt(code);
    }

    /**
     * {@code fake/closeStdout} {@code {stderr?: [string...]}}: writes the lines to stderr and closes
     * stdout, without answering; the process stays alive (stdin is still drained, its EOF ignored)
     * until killed.
     */
    private void closeStdout(JsonNode params) {
        stringList(params, "stderr", false).forEach(line -> stderr.writeLine(line));
        stdout.close();
        stayAliveAfterStdinEof = true;
    }

    /**
     * {@code fake/stderr} {@code {bytes: n, line?: string}}: on a worker thread, writes whole lines
     * {@code line + "\n"} to stderr until at least n bytes are out, then answers
     * {@code {bytes: <bytes written>}}. The answer waits for the last byte, so against a client that
     * does not drain stderr this call hangs once the pipe buffer is full.
     */
    private void stderr(JsonNode id, JsonNode params) {
        long bytes = longParam(params, "bytes", -1);
        if (bytes < 0) {
            throw new BadParams("bytes must be given and not negative");
        }
        byte[] line = (textParam(params, "line", "fake stderr filler line") + "\n").getBytes(UTF_8);
        workers.execute(() -> {
            // Batches of lines keep the number of write calls small.
            ByteArrayOutputStream batch = new ByteArrayOutputStream();
            long written = 0;
            while (written < bytes) {
                batch.writeBytes(line);
                written += line.length;
                if (batch.size() >= 8192 || written >= bytes) {
                    stderr.write(batch.toByteArray());
                    batch.reset();
                }
            }
            send(result(id, JSON.createObjectNode().put("bytes", written)));
        });
    }

    /**
     * {@code fake/notify} {@code {count: n, method: string, params?: object, indexField?: string}}:
     * emits n notifications {@code {method, params, emittedAtMs}} back to back, then answers
     * {@code {count: n}}. With indexField, each notification's params get that field set to 0, 1, 2...
     * so a test can check their order. Written before the next request is read.
     */
    private void notify(JsonNode id, JsonNode params) {
        long count = longParam(params, "count", -1);
        if (count < 0) {
            throw new BadParams("count must be given and not negative");
        }
        String method = requiredText(params, "method");
        JsonNode template = params.get("params");
        String indexField = textParam(params, "indexField", null);
        if (indexField != null && template != null && !template.isObject()) {
            throw new BadParams("indexField needs params to be an object");
        }
        for (long i = 0; i < count; i++) {
            JsonNode notificationParams = template;
            if (indexField != null) {
                ObjectNode indexed = template == null ? JSON.createObjectNode() : ((ObjectNode) template).deepCopy();
                notificationParams = indexed.put(indexField, i);
            }
            send(notification(method, notificationParams));
        }
        send(result(id, JSON.createObjectNode().put("count", count)));
    }

    /**
     * {@code fake/outOfOrder} {@code {count?: n (default 2), order?: "reverse"|"shuffle"}}: answers
     * {@code {}} at once, then holds the replies to the next n ordinary requests ({@code echo},
     * unknown methods; not {@code initialize} or {@code fake/*}) and, when the last one is in, writes
     * them all in reverse (or random) order. A deterministic alternative to {@code --shuffle-responses}.
     */
    private void outOfOrder(JsonNode id, JsonNode params) {
        int count = (int) longParam(params, "count", 2);
        String order = textParam(params, "order", "reverse");
        if (count < 1 || !(order.equals("reverse") || order.equals("shuffle"))) {
            throw new BadParams("count must be at least 1 and order \"reverse\" or \"shuffle\"");
        }
        held = new HeldReplies(count, order.equals("shuffle"));
        send(result(id, JSON.createObjectNode()));
    }

    /**
     * {@code fake/closeStdin} {@code {}}: closes stdin (so the client's next write fails with EPIPE), then
     * answers {@code {}}; the process stays alive until killed.
     */
    private void closeStdin(JsonNode id) {
        stdinClosedOnPurpose = true;
        stayAliveAfterStdinEof = true;
        try {
            // Safe here: this runs on the stdin thread between two reads, so no read holds the pipe open.
            System.in.close();
        } catch (IOException e) {
            log("closing stdin failed: " + e);
        }
        send(result(id, JSON.createObjectNode()));
    }

    /**
     * {@code fake/bigLine} {@code {bytes: n, method?: string (default "big")}}: writes one notification line
     * {@code {"method":method,"params":{"text":T}}} whose string T has n ASCII characters, the i-th being
     * {@code 'a' + i % 26}, streamed in chunks so the fake needs no memory for it; then answers
     * {@code {lineBytes: <bytes of that line without its newline>}}.
     */
    private void bigLine(JsonNode id, JsonNode params) {
        long bytes = longParam(params, "bytes", -1);
        if (bytes < 0) {
            throw new BadParams("bytes must be given and not negative");
        }
        String method = textParam(params, "method", "big");
        byte[] prefix = ("{\"method\":" + JSON.valueToTree(method) + ",\"params\":{\"text\":\"").getBytes(UTF_8);
        byte[] suffix = "\"}}\n".getBytes(UTF_8);
        stdout.writeGenerated(prefix, bytes, suffix);
        long lineBytes = prefix.length + bytes + suffix.length - 1;
        send(result(id, JSON.createObjectNode().put("lineBytes", lineBytes)));
    }

    /**
     * {@code fake/failNext} {@code {method: string, count: n, code?: n (default -32001), message?: string
     * (default "Server overloaded; retry later.")}}: answers the next n requests of that method with that
     * error instead of handling them, then answers {@code {}}.
     */
    private void failNext(JsonNode id, JsonNode params) {
        String method = requiredText(params, "method");
        long count = longParam(params, "count", -1);
        if (count < 0) {
            throw new BadParams("count must be given and not negative");
        }
        int code = (int) longParam(params, "code", -32001);
        String message = textParam(params, "message", "Server overloaded; retry later.");
        failNext.put(method, new FailNext(count, code, message));
        send(result(id, JSON.createObjectNode()));
    }

    /** Answers a request with the error fake/failNext set up for its method, if any is left. */
    private boolean failNextCall(String method, JsonNode id) {
        FailNext failing = failNext.get(method);
        if (failing == null || failing.left == 0) {
            return false;
        }
        failing.left--;
        sendError(id, failing.code, failing.message, null);
        return true;
    }

    private static final class FailNext {
        long left;
        final int code;
        final String message;

        FailNext(long left, int code, String message) {
            this.left = left;
            this.code = code;
            this.message = message;
        }
    }

    /**
     * {@code fake/inspect} {@code {}}: answers what the fake has received so far:
     * {@code {initializeParams, initializedNotification: bool, notifications: [...], replies: [...],
     * requestMethods: [...]}}, notifications and replies holding the client's whole messages and
     * requestMethods the method of every request other than {@code fake/*}, in arrival order.
     */
    private void inspect(JsonNode id) {
        ObjectNode seen = JSON.createObjectNode();
        seen.set("initializeParams", initializeParams);
        seen.put("initializedNotification", initializedNotification);
        seen.set("notifications", clientNotifications.deepCopy());
        seen.set("replies", clientReplies.deepCopy());
        seen.set("requestMethods", requestMethods.deepCopy());
        send(result(id, seen));
    }

    /** Sends the reply to an ordinary request, honouring fake/outOfOrder and --shuffle-responses. */
    private void replyOrdinary(ObjectNode reply) {
        if (held != null) {
            List<ObjectNode> release = held.add(reply);
            if (release != null) {
                held = null;
                release.forEach(this::send);
            }
        } else if (options.shuffleMaxMs > 0) {
            long delay = ThreadLocalRandom.current().nextLong(options.shuffleMaxMs + 1L);
            scheduler.schedule(() -> send(reply), delay, TimeUnit.MILLISECONDS);
        } else {
            send(reply);
        }
    }

    private void send(JsonNode message) {
        try {
            stdout.writeLine(JSON.writeValueAsBytes(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void sendError(JsonNode id, int code, String message, JsonNode data) {
        send(error(id, code, message, data));
    }

    private void log(String text) {
        stderr.writeLine("fake: " + text);
    }

    private static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = JSON.createObjectNode();
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    private static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message);
        if (data != null) {
            error.set("data", data);
        }
        ObjectNode response = JSON.createObjectNode();
        response.set("id", id);
        response.set("error", error);
        return response;
    }

    private static ObjectNode errorFromParams(JsonNode id, JsonNode params) {
        if (params == null || !params.isObject()) {
            throw new BadParams("error must be an object");
        }
        JsonNode code = params.get("code");
        if (code == null || !code.canConvertToInt()) {
            throw new BadParams("error code must be an integer");
        }
        return error(id, code.intValue(), requiredText(params, "message"), params.get("data"));
    }

    private static ObjectNode notification(String method, JsonNode params) {
        ObjectNode notification = JSON.createObjectNode().put("method", method);
        if (params != null) {
            notification.set("params", params);
        }
        return notification.put("emittedAtMs", System.currentTimeMillis());
    }

    /** Ids equal as JSON values map to one key: 0 and 0.0 are the same id, 0 and "0" are not. */
    private static String idKey(JsonNode id) {
        if (id == null) {
            return "null";
        }
        if (id.isNumber()) {
            return "n:" + id.decimalValue().stripTrailingZeros().toPlainString();
        }
        return id.isTextual() ? "s:" + id.textValue() : "j:" + id;
    }

    private static boolean thenRespond(JsonNode params) {
        String then = textParam(params, "then", "respond");
        if (!then.equals("respond") && !then.equals("none")) {
            throw new BadParams("then must be \"respond\" or \"none\"");
        }
        return then.equals("respond");
    }

    private static String requiredText(JsonNode params, String name) {
        String value = textParam(params, name, null);
        if (value == null) {
            throw new BadParams(name + " must be given");
        }
        return value;
    }

    private static String textParam(JsonNode params, String name, String fallback) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new BadParams(name + " must be a string");
        }
        return value.textValue();
    }

    private static long longParam(JsonNode params, String name, long fallback) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new BadParams(name + " must be an integer");
        }
        return value.longValue();
    }

    private static List<String> stringList(JsonNode params, String name, boolean required) {
        JsonNode value = params.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw new BadParams(name + " must be given");
            }
            return List.of();
        }
        if (!value.isArray()) {
            throw new BadParams(name + " must be an array of strings");
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw new BadParams(name + " must be an array of strings");
            }
            strings.add(element.textValue());
        }
        return strings;
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger counter = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static void sleepUntilKilled() throws InterruptedException {
        while (true) {
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Thrown for control params the fake cannot act on; answered with -32602. */
    private static final class BadParams extends RuntimeException {
        BadParams(String message) {
            super(message);
        }
    }

    /** Replies held back by fake/outOfOrder until the last expected one arrives. */
    private static final class HeldReplies {
        private final int expected;
        private final boolean shuffle;
        private final List<ObjectNode> replies = new ArrayList<>();

        HeldReplies(int expected, boolean shuffle) {
            this.expected = expected;
            this.shuffle = shuffle;
        }

        /** Returns the replies to write, in their new order, once all are in; null until then. */
        List<ObjectNode> add(ObjectNode reply) {
            replies.add(reply);
            if (replies.size() < expected) {
                return null;
            }
            if (shuffle) {
                Collections.shuffle(replies);
            } else {
                Collections.reverse(replies);
            }
            return replies;
        }
    }

    /** An output stream shared by several threads: every write is whole and flushed at once. */
    private static final class Sink {
        private final OutputStream stream;
        private boolean closed;

        Sink(OutputStream stream) {
            this.stream = stream;
        }

        synchronized void writeLine(String line) {
            writeLine(line.getBytes(UTF_8));
        }

        synchronized void writeLine(byte[] line) {
            // One write call per message, newline included.
            byte[] bytes = new byte[line.length + 1];
            System.arraycopy(line, 0, bytes, 0, line.length);
            bytes[line.length] = '\n';
            write(bytes);
        }

        synchronized void write(byte[] bytes) {
            if (closed) {
                return;
            }
            try {
                stream.write(bytes);
                stream.flush();
            } catch (IOException e) {
                // The reader went away; there is no one left to tell.
                closed = true;
            }
        }

        /** Writes the chunks with a pause between them, holding the lock so nothing lands in between. */
        synchronized void writeChunks(List<byte[]> chunks, long pauseMs) throws InterruptedException {
            for (int i = 0; i < chunks.size(); i++) {
                if (i > 0 && pauseMs > 0) {
                    Thread.sleep(pauseMs);
                }
                write(chunks.get(i));
            }
        }

        /** Writes prefix, {@code count} generated ASCII letters and suffix as one uninterrupted message. */
        synchronized void writeGenerated(byte[] prefix, long count, byte[] suffix) {
            write(prefix);
            byte[] chunk = new byte[1 << 20];
            long done = 0;
            while (done < count && !closed) {
                int n = (int) Math.min(chunk.length, count - done);
                for (int i = 0; i < n; i++) {
                    chunk[i] = (byte) ('a' + (done + i) % 26);
                }
                write(n == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, n));
                done += n;
            }
            write(suffix);
        }

        synchronized void close() {
            closed = true;
            try {
                stream.close();
            } catch (IOException ignored) {
                // Closing is all we wanted; a failure leaves nothing to do.
            }
        }
    }

    /** Startup flags; see the class Javadoc. */
    private static final class Options {
        final List<String> stderrOnStart = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();
        Integer exitAtStart;
        boolean ignoreSigterm;
        boolean spawnGrandchild;
        boolean grandchildInheritsStdio;
        boolean noHandshakeReply;
        boolean ignoreStdinEof;
        int shuffleMaxMs;
        String relay;

        static Options parse(String[] args) {
            Options options = new Options();
            // The client always launches "<executable> app-server <extra args...>".
            int i = args.length > 0 && args[0].equals("app-server") ? 1 : 0;
            for (; i < args.length; i++) {
                String arg = args[i];
                String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                String inlineValue = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : null;
                switch (name) {
                    case "--ignore-sigterm" -> options.ignoreSigterm = true;
                    case "--spawn-grandchild" -> options.spawnGrandchild = true;
                    case "--grandchild-inherits-stdio" -> options.grandchildInheritsStdio = true;
                    case "--no-handshake-reply" -> options.noHandshakeReply = true;
                    case "--ignore-stdin-eof" -> options.ignoreStdinEof = true;
                    case "--shuffle-responses" ->
                            options.shuffleMaxMs = inlineValue == null ? 50 : Integer.parseInt(inlineValue);
                    case "--exit-at-start", "--stderr-on-start", "--relay" -> {
                        String value = inlineValue;
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(name + " needs a value");
                            }
                            value = args[++i];
                        }
                        if (name.equals("--exit-at-start")) {
                            options.exitAtStart = Integer.parseInt(value);
                        } else if (name.equals("--relay")) {
                            options.relay = value;
                        } else {
                            options.stderrOnStart.add(value);
                        }
                    }
                    default -> options.ignored.add(arg);
                }
            }
            return options;
        }
    }
}

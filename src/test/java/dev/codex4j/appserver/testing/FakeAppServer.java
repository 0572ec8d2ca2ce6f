package dev.codex4j.appserver.testing;

import static dev.codex4j.appserver.testing.FakeAppServerOutput.JSON;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.error;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.notification;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.result;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
 * <p>Control methods: see the Javadoc of the method of the same name in {@link FakeAppServerControls}
 * ({@code fake/emit}, {@code fake/emitBytes}, {@code fake/serverRequest}, {@code fake/delay},
 * {@code fake/noReply}, {@code fake/error}, {@code fake/exit}, {@code fake/closeStdout}, {@code fake/stderr},
 * {@code fake/notify}, {@code fake/outOfOrder}, {@code fake/inspect}, {@code fake/closeStdin},
 * {@code fake/bigLine}, {@code fake/failNext}). The output and the {@code --relay} plumbing are in
 * {@link FakeAppServerOutput}.
 *
 * <p>This class holds the startup flags, the stdin loop, the dispatch and the default answers.
 */
public final class FakeAppServer {

    static final int INVALID_REQUEST = -32600;
    static final int METHOD_NOT_FOUND = -32601;
    static final int INVALID_PARAMS = -32602;

    private final Options options;
    private final FakeAppServerOutput out = new FakeAppServerOutput();
    private final ScheduledExecutorService scheduler =
            Executors.newScheduledThreadPool(4, daemonThreads("fake-scheduler"));
    private final FakeAppServerControls controls;

    // Touched by the stdin thread only.
    private boolean initialized;
    private boolean initializedNotification;
    private boolean stayAliveAfterStdinEof;
    private JsonNode initializeParams = NullNode.getInstance();
    private final ArrayNode clientNotifications = JSON.createArrayNode();
    private final ArrayNode clientReplies = JSON.createArrayNode();
    private boolean stdinClosedOnPurpose;
    private final ArrayNode requestMethods = JSON.createArrayNode();
    private int threadsStarted;

    private FakeAppServer(Options options) {
        this.options = options;
        this.stayAliveAfterStdinEof = options.ignoreStdinEof;
        this.controls = new FakeAppServerControls(this, out, scheduler);
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
        options.stderrOnStart.forEach(line -> out.stderr.writeLine(line));
        if (options.exitAtStart != null) {
            out.stderr.writeLine("fatal: simulated startup failure");
            Runtime.getRuntime().halt(options.exitAtStart);
        }
        options.ignored.forEach(arg -> out.log("ignoring argument " + arg));
        if (options.ignoreSigterm) {
            // Replacing the JVM's handler is what keeps SIGTERM from starting the shutdown. sun.misc.Signal
            // is the only way on JDK 17; javac's "internal proprietary API" warning for it cannot be suppressed.
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> out.log("ignoring SIGTERM"));
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
            out.stderr.writeLine("grandchild-pid=" + builder.start().pid());
        }
        if (options.relay != null) {
            out.startRelay(Path.of(options.relay));
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
        if (out.relayed(line)) {
            return;
        }
        if (new String(line, UTF_8).isBlank()) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(line);
        } catch (IOException e) {
            out.log("ignoring unparseable line: " + new String(line, UTF_8));
            return;
        }
        try {
            dispatch(message);
        } catch (RuntimeException e) {
            // One bad message must not take the whole fake down.
            out.log("failed to handle " + message + ": " + e);
        }
    }

    private void dispatch(JsonNode message) {
        if (!message.isObject()) {
            out.log("ignoring non-object message: " + message);
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
            out.log("ignoring message without method or id: " + message);
        }
    }

    private void handleRequest(String method, JsonNode id, JsonNode params) {
        if (!method.startsWith("fake/")) {
            requestMethods.add(method);
        }
        if (method.startsWith("fake/")) {
            controls.handle(method, id, params);
        } else if (method.equals("initialize")) {
            handleInitialize(id, params);
        } else if (!initialized) {
            out.sendError(id, INVALID_REQUEST, "Not initialized", null);
        } else if (controls.failNextCall(method, id)) {
            return;
        } else if (method.equals("thread/start")) {
            String threadId = "fake-thread-" + (++threadsStarted);
            ObjectNode thread = JSON.createObjectNode().put("id", threadId);
            out.send(notification("thread/started", JSON.createObjectNode().set("thread", thread)));
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
            out.sendError(id, INVALID_REQUEST, "Already initialized", null);
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
        out.send(result(id, result));
    }

    private void handleNotification(JsonNode message) {
        clientNotifications.add(message);
        if (message.get("method").textValue().equals("initialized") && initialized && !initializedNotification) {
            initializedNotification = true;
            // The real server warns about its config right after the handshake; clients must cope.
            ObjectNode warning = JSON.createObjectNode()
                    .put("summary", "fake: simulated config warning")
                    .put("details", "sent by FakeAppServer after the handshake, as the real server does");
            out.send(notification("configWarning", warning));
        }
    }

    private void handleReply(JsonNode message) {
        clientReplies.add(message);
        controls.replyReceived(message);
    }

    /** What fake/inspect answers: what the fake has received so far. */
    ObjectNode received() {
        ObjectNode seen = JSON.createObjectNode();
        seen.set("initializeParams", initializeParams);
        seen.put("initializedNotification", initializedNotification);
        seen.set("notifications", clientNotifications.deepCopy());
        seen.set("replies", clientReplies.deepCopy());
        seen.set("requestMethods", requestMethods.deepCopy());
        return seen;
    }

    /** For fake/closeStdout and fake/closeStdin: the end of stdin no longer ends the process. */
    void keepRunningAfterStdinEof() {
        stayAliveAfterStdinEof = true;
    }

    /** For fake/closeStdin: a failing read of the stdin it closed counts as the end of stdin. */
    void stdinClosedOnPurpose() {
        stdinClosedOnPurpose = true;
    }

    /** Sends the reply to an ordinary request, honouring fake/outOfOrder and --shuffle-responses. */
    private void replyOrdinary(ObjectNode reply) {
        if (controls.holdBack(reply)) {
            return;
        }
        if (options.shuffleMaxMs > 0) {
            long delay = ThreadLocalRandom.current().nextLong(options.shuffleMaxMs + 1L);
            scheduler.schedule(() -> out.send(reply), delay, TimeUnit.MILLISECONDS);
        } else {
            out.send(reply);
        }
    }

    static ThreadFactory daemonThreads(String name) {
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

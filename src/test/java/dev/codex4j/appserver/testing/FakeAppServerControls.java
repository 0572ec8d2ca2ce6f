package dev.codex4j.appserver.testing;

import static dev.codex4j.appserver.testing.FakeAppServer.INVALID_PARAMS;
import static dev.codex4j.appserver.testing.FakeAppServer.METHOD_NOT_FOUND;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.JSON;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.notification;
import static dev.codex4j.appserver.testing.FakeAppServerOutput.result;
import static dev.codex4j.appserver.testing.FakeAppServerParams.errorFromParams;
import static dev.codex4j.appserver.testing.FakeAppServerParams.longParam;
import static dev.codex4j.appserver.testing.FakeAppServerParams.requiredText;
import static dev.codex4j.appserver.testing.FakeAppServerParams.stringList;
import static dev.codex4j.appserver.testing.FakeAppServerParams.textParam;
import static dev.codex4j.appserver.testing.FakeAppServerParams.thenRespond;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.testing.FakeAppServerOutput.Sink;
import dev.codex4j.appserver.testing.FakeAppServerParams.BadParams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code fake/*} control methods of {@link FakeAppServer}, each documented on the method of the same
 * name below. They work before the handshake too; bad params get error -32602. They run on the fake's stdin
 * thread unless their doc says they hand the work to a worker or the scheduler. What they leave for later
 * requests lives here too: the replies {@code fake/outOfOrder} holds back, the errors {@code fake/failNext}
 * arms, and the {@code fake/serverRequest}s awaiting the client's reply.
 */
final class FakeAppServerControls {

    private final FakeAppServer server;
    private final FakeAppServerOutput out;
    private final Sink stdout;
    private final Sink stderr;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService workers =
            Executors.newCachedThreadPool(FakeAppServer.daemonThreads("fake-worker"));
    private final Map<String, CompletableFuture<JsonNode>> pendingServerRequests = new ConcurrentHashMap<>();
    private final AtomicLong nextServerRequestId = new AtomicLong();

    // Touched by the stdin thread only.
    private HeldReplies held;
    private final Map<String, FailNext> failNext = new HashMap<>();

    FakeAppServerControls(FakeAppServer server, FakeAppServerOutput out, ScheduledExecutorService scheduler) {
        this.server = server;
        this.out = out;
        this.stdout = out.stdout;
        this.stderr = out.stderr;
        this.scheduler = scheduler;
    }

    /** Carries out the control request {@code method}; an unknown one gets -32601. */
    void handle(String method, JsonNode id, JsonNode rawParams) {
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
                default -> out.sendError(id, METHOD_NOT_FOUND, "method not found: " + method, null);
            }
        } catch (BadParams e) {
            out.sendError(id, INVALID_PARAMS, "invalid params for " + method + ": " + e.getMessage(), null);
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
            out.send(result(id, JSON.createObjectNode()));
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
                out.send(result(id, JSON.createObjectNode()));
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
        reply.thenAccept(message -> out.send(result(id, JSON.createObjectNode().set("reply", message))));
        ObjectNode request = JSON.createObjectNode().put("method", method);
        request.set("id", requestId);
        if (params.has("params")) {
            request.set("params", params.get("params"));
        }
        out.send(request);
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
        scheduler.schedule(() -> out.send(reply), ms, TimeUnit.MILLISECONDS);
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
        out.send(errorFromParams(id, params));
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
        server.keepRunningAfterStdinEof();
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
            out.send(result(id, JSON.createObjectNode().put("bytes", written)));
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
            out.send(notification(method, notificationParams));
        }
        out.send(result(id, JSON.createObjectNode().put("count", count)));
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
        out.send(result(id, JSON.createObjectNode()));
    }

    /**
     * {@code fake/closeStdin} {@code {}}: closes stdin (so the client's next write fails with EPIPE), then
     * answers {@code {}}; the process stays alive until killed.
     */
    private void closeStdin(JsonNode id) {
        server.stdinClosedOnPurpose();
        server.keepRunningAfterStdinEof();
        try {
            // Safe here: this runs on the stdin thread between two reads, so no read holds the pipe open.
            System.in.close();
        } catch (IOException e) {
            out.log("closing stdin failed: " + e);
        }
        out.send(result(id, JSON.createObjectNode()));
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
        out.send(result(id, JSON.createObjectNode().put("lineBytes", lineBytes)));
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
        out.send(result(id, JSON.createObjectNode()));
    }

    /** Answers a request with the error fake/failNext set up for its method, if any is left. */
    boolean failNextCall(String method, JsonNode id) {
        FailNext failing = failNext.get(method);
        if (failing == null || failing.left == 0) {
            return false;
        }
        failing.left--;
        out.sendError(id, failing.code, failing.message, null);
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
        out.send(result(id, server.received()));
    }

    /**
     * Holds back the reply to an ordinary request while a fake/outOfOrder is pending, writing all of them
     * once the last is in; returns false, holding nothing, when none is.
     */
    boolean holdBack(ObjectNode reply) {
        if (held == null) {
            return false;
        }
        List<ObjectNode> release = held.add(reply);
        if (release != null) {
            held = null;
            release.forEach(out::send);
        }
        return true;
    }

    /** Hands the client's reply to the fake/serverRequest waiting for it. */
    void replyReceived(JsonNode message) {
        CompletableFuture<JsonNode> pending = pendingServerRequests.remove(idKey(message.get("id")));
        if (pending == null) {
            out.log("reply to unknown server request: " + message);
        } else {
            pending.complete(message);
        }
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
}

package dev.codex4j.appserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A bare-bones JSON-lines driver of {@code codex app-server}, only to validate the fixtures against the
 * real binary without any client library. Messages are consumed in arrival order by the {@code await*}
 * methods; everything consumed stays available in {@link #consumed()}.
 */
final class RawAppServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration AWAIT_TIMEOUT = Duration.ofSeconds(30);
    private static final JsonNode END_OF_STREAM = JSON.createObjectNode().put("endOfStream", true);
    private static final int STDERR_LINES_KEPT = 60;

    private final Process process;
    private final Writer stdin;
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private final BlockingQueue<JsonNode> incoming = new LinkedBlockingQueue<>();
    private final List<String> stdoutLines = new ArrayList<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final List<JsonNode> consumed = new ArrayList<>();
    private int nextId = 1;
    private boolean ended;

    private RawAppServer(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.stdoutReader = daemon("codex-stdout", this::readStdout);
        this.stderrReader = daemon("codex-stderr", this::drainStderr);
    }

    static RawAppServer start(RealCodex codex) throws IOException {
        return new RawAppServer(codex.processBuilder().start());
    }

    /** initialize → initialized; returns the initialize result. */
    JsonNode handshake() {
        ObjectNode params = JSON.createObjectNode();
        params.putObject("clientInfo").put("name", "codex4j-tests").put("title", "codex4j tests").put("version", "0");
        JsonNode result = call("initialize", params);
        notify("initialized");
        return result;
    }

    /** thread/start with default params; returns the thread id. */
    String startThread() {
        return call("thread/start", JSON.createObjectNode()).path("thread").path("id").asText();
    }

    /** turn/start with one text input; returns the turn id. */
    String startTurn(String threadId, String text) {
        ObjectNode params = JSON.createObjectNode().put("threadId", threadId);
        params.putArray("input").addObject().put("type", "text").put("text", text);
        return call("turn/start", params).path("turn").path("id").asText();
    }

    /** Sends a request and awaits its response; fails on a JSON-RPC error. */
    JsonNode call(String method, JsonNode params) {
        int id = nextId++;
        ObjectNode request = JSON.createObjectNode().put("method", method).put("id", id);
        request.set("params", params);
        send(request);
        JsonNode response = await(m -> !m.has("method") && m.path("id").asInt(-1) == id, "response to " + method);
        if (response.has("error")) {
            throw new AssertionError(method + " failed: " + response.get("error"));
        }
        return response.get("result");
    }

    void notify(String method) {
        send(JSON.createObjectNode().put("method", method));
    }

    /** Answers a server→client request. */
    void respond(JsonNode serverRequest, JsonNode result) {
        ObjectNode response = JSON.createObjectNode();
        response.set("id", serverRequest.get("id"));
        response.set("result", result);
        send(response);
    }

    JsonNode awaitNotification(String method) {
        return await(m -> method.equals(m.path("method").asText()) && !m.has("id"), "notification " + method);
    }

    JsonNode awaitServerRequest(String method) {
        return await(m -> method.equals(m.path("method").asText()) && m.has("id"), "server request " + method);
    }

    /** Consumes messages until one matches; fails on timeout or when codex closes stdout. */
    JsonNode await(Predicate<JsonNode> matcher, String description) {
        long deadline = System.nanoTime() + AWAIT_TIMEOUT.toNanos();
        while (true) {
            if (ended) {
                throw failure("codex closed stdout before " + description);
            }
            JsonNode message;
            try {
                message = incoming.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted awaiting " + description, e);
            }
            if (message == null) {
                throw failure("timed out after " + AWAIT_TIMEOUT + " awaiting " + description);
            }
            if (message == END_OF_STREAM) {
                ended = true;
                continue;
            }
            consumed.add(message);
            if (matcher.test(message)) {
                return message;
            }
        }
    }

    /** Every message consumed by the await methods so far, in order. */
    List<JsonNode> consumed() {
        return List.copyOf(consumed);
    }

    /** Every line codex wrote to stdout, exactly as received; complete once {@link #close()} returned. */
    List<String> stdoutLines() {
        synchronized (stdoutLines) {
            return List.copyOf(stdoutLines);
        }
    }

    /** Closes stdin (codex exits on EOF), waits for the exit, and ends the process tree if it lingers. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // The process may already be gone; the wait below settles it either way.
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            stdoutReader.join(TimeUnit.SECONDS.toMillis(5));
            stderrReader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    private void send(JsonNode message) {
        try {
            stdin.write(JSON.writeValueAsString(message));
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write to codex stdin; stderr tail:\n" + stderrTail(), e);
        }
    }

    private void readStdout() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (stdoutLines) {
                    stdoutLines.add(line);
                }
                incoming.add(JSON.readTree(line));
            }
        } catch (IOException e) {
            stderrLine("[test] stdout reader failed: " + e);
        } finally {
            incoming.add(END_OF_STREAM);
        }
    }

    private void drainStderr() {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                stderrLine(line.replaceAll("\u001B\\[[0-9;]*m", ""));
            }
        } catch (IOException ignored) {
            // The process ended; nothing more to drain.
        }
    }

    private void stderrLine(String line) {
        synchronized (stderrTail) {
            stderrTail.addLast(line);
            if (stderrTail.size() > STDERR_LINES_KEPT) {
                stderrTail.removeFirst();
            }
        }
    }

    private String stderrTail() {
        synchronized (stderrTail) {
            return String.join("\n", stderrTail);
        }
    }

    private AssertionError failure(String what) {
        List<JsonNode> recent = consumed.subList(Math.max(0, consumed.size() - 10), consumed.size());
        StringBuilder message = new StringBuilder(what).append("\nlast messages:");
        recent.forEach(m -> message.append("\n  ").append(m));
        message.append("\nstderr tail:\n").append(stderrTail());
        return new AssertionError(message.toString());
    }

    private static Thread daemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}

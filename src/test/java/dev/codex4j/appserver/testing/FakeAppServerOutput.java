package dev.codex4j.appserver.testing;

import static dev.codex4j.appserver.testing.FakeAppServerParams.stringList;
import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Where {@link FakeAppServer} writes: its stdout and stderr as {@link Sink}s (whole, flushed writes that
 * several threads share), the JSON-RPC messages it builds, and the {@code --relay} plumbing that hands
 * both streams to a test ({@link FakeAppServerRelay}): lines read from stdin go to the test's socket, and
 * the test's commands come back as writes to stdout and stderr or an exit.
 */
final class FakeAppServerOutput {

    static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    final Sink stdout = new Sink(new FileOutputStream(FileDescriptor.out));
    final Sink stderr = new Sink(new FileOutputStream(FileDescriptor.err));
    /** The socket to the test with {@code --relay}, else {@code null}; set before stdin is read. */
    private RelayChannel relay;

    void send(JsonNode message) {
        try {
            stdout.writeLine(JSON.writeValueAsBytes(message));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    void sendError(JsonNode id, int code, String message, JsonNode data) {
        send(error(id, code, message, data));
    }

    void log(String text) {
        stderr.writeLine("fake: " + text);
    }

    static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode response = JSON.createObjectNode();
        response.set("id", id);
        response.set("result", result);
        return response;
    }

    static ObjectNode error(JsonNode id, int code, String message, JsonNode data) {
        ObjectNode error = JSON.createObjectNode().put("code", code).put("message", message);
        if (data != null) {
            error.set("data", data);
        }
        ObjectNode response = JSON.createObjectNode();
        response.set("id", id);
        response.set("error", error);
        return response;
    }

    static ObjectNode notification(String method, JsonNode params) {
        ObjectNode notification = JSON.createObjectNode().put("method", method);
        if (params != null) {
            notification.set("params", params);
        }
        return notification.put("emittedAtMs", System.currentTimeMillis());
    }
    /** {@code --relay}: connects to the test's socket and carries out its commands on a daemon thread. */
    void startRelay(Path socket) throws IOException {
        relay = RelayChannel.connect(socket);
        FakeAppServer.daemonThreads("fake-relay").newThread(this::relayCommands).start();
    }

    /** With {@code --relay}, forwards a line read from stdin to the test and returns true; else returns false. */
    boolean relayed(byte[] line) {
        if (relay == null) {
            return false;
        }
        try {
            relay.writeLine(line);
        } catch (IOException e) {
            log("relay to the test failed: " + e);
        }
        return true;
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

    /** An output stream shared by several threads: every write is whole and flushed at once. */
    static final class Sink {
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
    }}

package dev.codex4j.appserver.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the {@link FakeAppServer} tests share: the launcher script (in a directory whose name has a space), a
 * raw line-based {@link Driver} that starts the fake as a subprocess and reads its stdout and stderr, and
 * stopping every fake and stray grandchild after each test.
 */
abstract class FakeAppServerTestBase {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration AWAIT = Duration.ofSeconds(20);
    /** Only for asserting that something does NOT happen; everything that happens is awaited. */
    static final long QUIET_MS = 500;

    @TempDir
    static Path tempDir;
    static Path script;

    private final List<Driver> drivers = new ArrayList<>();
    private final List<ProcessHandle> strays = new ArrayList<>();

    @BeforeAll
    static void writeScript() throws IOException {
        // A space in the path checks the script is quoted properly.
        script = FakeAppServerLauncher.createScript(tempDir.resolve("dir with space"));
    }

    @AfterEach
    void stopProcesses() {
        drivers.forEach(Driver::close);
        strays.forEach(ProcessHandle::destroyForcibly);
    }

    Driver start(String... flags) throws IOException {
        return start(Map.of(), flags);
    }

    Driver start(Map<String, String> env, String... flags) throws IOException {
        return track(Driver.start(script, env, flags));
    }

    Driver startInitialized(String... flags) throws IOException {
        Driver fake = start(flags);
        assertThat(fake.handshake().has("result")).isTrue();
        fake.send("{\"method\":\"initialized\"}");
        // Consumed here so tests see only what they asked for.
        fake.awaitMessage(m -> m.path("method").asText().equals("configWarning"));
        return fake;
    }

    Driver track(Driver driver) {
        drivers.add(driver);
        return driver;
    }

    /** The grandchild the fake reports on stderr, registered to be killed after the test. */
    ProcessHandle awaitGrandchild(Driver fake) {
        String line = fake.stderr.await(l -> l.startsWith("grandchild-pid="));
        ProcessHandle grandchild = ProcessHandle.of(Long.parseLong(line.substring("grandchild-pid=".length()))).orElseThrow();
        strays.add(grandchild);
        assertThat(grandchild.isAlive()).isTrue();
        return grandchild;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A raw line-based client: writes JSON lines to the fake, reads its stdout and stderr on threads. */
    static final class Driver implements AutoCloseable {
        final Process process;
        final Lines stdout;
        final Lines stderr;
        private final OutputStream stdin;
        private long nextId = 1;

        private Driver(Process process) {
            this.process = process;
            this.stdin = process.getOutputStream();
            this.stdout = Lines.drain(process.getInputStream(), "fake-stdout");
            this.stderr = Lines.drain(process.getErrorStream(), "fake-stderr");
        }

        static Driver start(Path script, Map<String, String> env, String... flags) throws IOException {
            List<String> command = new ArrayList<>(List.of(script.toString(), "app-server"));
            command.addAll(List.of(flags));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().remove("CODEX_HOME");
            builder.environment().putAll(env);
            return new Driver(builder.start());
        }

        JsonNode handshake() throws IOException {
            return call("initialize", "{\"clientInfo\":{\"name\":\"fake-test\",\"title\":\"Fake test\",\"version\":\"0\"}}");
        }

        void send(String line) throws IOException {
            stdin.write((line + "\n").getBytes(UTF_8));
            stdin.flush();
        }

        long request(String method, String paramsJson) throws IOException {
            long id = nextId++;
            send("{\"method\":\"" + method + "\",\"id\":" + id + ",\"params\":" + paramsJson + "}");
            return id;
        }

        long request(String method, Map<String, ?> params) throws IOException {
            return request(method, JSON.writeValueAsString(params));
        }

        JsonNode call(String method, String paramsJson) throws IOException {
            return response(request(method, paramsJson));
        }

        JsonNode call(String method, Map<String, ?> params) throws IOException {
            return response(request(method, params));
        }

        JsonNode response(long id) {
            return awaitMessage(m -> !m.has("method") && m.path("id").isNumber() && m.get("id").asLong() == id);
        }

        JsonNode nextMessage() {
            return json(stdout.next());
        }

        JsonNode awaitMessage(Predicate<JsonNode> wanted) {
            return json(stdout.await(line -> {
                try {
                    return wanted.test(JSON.readTree(line));
                } catch (IOException notJson) {
                    return false;
                }
            }));
        }

        void closeStdin() throws IOException {
            stdin.close();
        }

        int awaitExit() throws Exception {
            return process.onExit().get(AWAIT.toMillis(), TimeUnit.MILLISECONDS).exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Lines read from one stream on a thread; lines skipped by {@link #await} stay available. */
    static final class Lines {
        private final BlockingQueue<Optional<String>> queue = new LinkedBlockingQueue<>();
        private final List<String> backlog = new ArrayList<>();
        private boolean eof;

        static Lines drain(InputStream in, String name) {
            Lines lines = new Lines();
            Thread reader = new Thread(() -> lines.read(in), name);
            reader.setDaemon(true);
            reader.start();
            return lines;
        }

        private void read(InputStream in) {
            // Whole lines are decoded at once, so a character split across writes decodes correctly.
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try (in) {
                int b;
                while ((b = in.read()) != -1) {
                    if (b == '\n') {
                        queue.add(Optional.of(line.toString(UTF_8)));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            } catch (IOException closedByDestroy) {
                // Process.destroy() closes our end; that is an end of stream like any other.
            }
            if (line.size() > 0) {
                queue.add(Optional.of(line.toString(UTF_8)));
            }
            queue.add(Optional.empty());
        }

        /** The next line not yet consumed. */
        String next() {
            return await(line -> true);
        }

        /** The first unconsumed line matching {@code wanted}; earlier non-matching lines stay in the backlog. */
        String await(Predicate<String> wanted) {
            for (Iterator<String> it = backlog.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (wanted.test(line)) {
                    it.remove();
                    return line;
                }
            }
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (true) {
                Optional<String> line = poll(deadline);
                if (line.isEmpty()) {
                    return fail("stream ended while awaiting a line; unconsumed: " + backlog);
                }
                if (wanted.test(line.get())) {
                    return line.get();
                }
                backlog.add(line.get());
            }
        }

        /** Reads to the end of the stream, keeping the lines in the backlog. */
        void awaitEof() {
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (!eof) {
                poll(deadline).ifPresent(backlog::add);
            }
        }

        /** Whether the stream ends within {@code ms}; for asserting that it does not. */
        boolean eofWithin(long ms) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
            while (!eof) {
                Optional<String> line = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return false;
                }
                if (line.isPresent()) {
                    backlog.add(line.get());
                } else {
                    eof = true;
                }
            }
            return true;
        }

        List<String> backlog() {
            return backlog;
        }

        private Optional<String> poll(long deadlineNanos) {
            if (eof) {
                return Optional.empty();
            }
            try {
                Optional<String> line = queue.poll(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    return fail("no line within " + AWAIT + "; unconsumed: " + backlog);
                }
                eof = line.isEmpty();
                return line;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return fail("interrupted");
            }
        }
    }
}

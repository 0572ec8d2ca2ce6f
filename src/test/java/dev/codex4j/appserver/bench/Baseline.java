package dev.codex4j.appserver.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a user would write by hand instead of using the library, as the yardstick for the benchmarks: spawn
 * {@code <executable> app-server}, a reader thread doing {@code BufferedReader.readLine()} +
 * {@code ObjectMapper.readTree()}, a {@code ConcurrentHashMap<Long, CompletableFuture<JsonNode>>} for
 * requests, and notifications handed to the listeners on the reader thread (decoded with
 * {@code mapper.treeToValue} for typed listeners; see {@link HandWrittenClient}). No buffering, no overflow
 * policy, no error handling beyond failing what is pending on EOF.
 */
public final class Baseline extends HandWrittenClient {

    private final Process process;
    private final OutputStream out;
    private final Thread reader;

    private Baseline(Process process) {
        this.process = process;
        this.out = process.getOutputStream();
        this.reader = new Thread(this::read, "baseline-reader");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Spawns {@code <executable> app-server} and runs the initialize handshake. */
    public static Baseline start(Path executable) throws IOException {
        Process process = new ProcessBuilder(executable.toString(), "app-server")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        Baseline baseline = new Baseline(process);
        baseline.handshake();
        return baseline;
    }

    @Override
    protected void send(Map<String, Object> message) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(message);
        synchronized (out) {
            out.write(bytes);
            out.write('\n');
            out.flush();
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8), 1 << 16)) {
            String line;
            while ((line = in.readLine()) != null) {
                dispatch(mapper.readTree(line));
            }
        } catch (IOException | RuntimeException e) {
            failPending(e);
            return;
        }
        failPending(new IOException("app-server closed its stdout"));
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}

package dev.codex4j.appserver.bench;

import dev.codex4j.appserver.bench.PairedRounds.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fake servers' ceilings for {@link Benchmarks}: each server flooding into a reader that does nothing but
 * count (newlines over the pipe, frame headers over a raw WebSocket, messages on the JDK's WebSocket), so the
 * rates bound what any client could receive. Each method runs {@code warmup} and then {@code rounds} measured
 * floods, logs every round, and returns the median notifications per second of the measured ones.
 */
final class Ceilings {

    private final int warmup;
    private final int rounds;

    Ceilings(int warmup, int rounds) {
        this.warmup = warmup;
        this.rounds = rounds;
    }

    /**
     * The fake server started by {@code script} flooding {@code count} notifications per round into a reader
     * that only counts newlines: the most any client could receive.
     */
    double pipe(Path script, int count) throws Exception {
        Process process = new ProcessBuilder(script.toString(), "app-server")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream stdin = process.getOutputStream(); InputStream stdout = process.getInputStream()) {
            byte[] buffer = new byte[1 << 16];
            stdin.write("{\"id\":1,\"method\":\"initialize\",\"params\":{}}\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            countLines(stdout, buffer, 1);
            return medianRate("ceiling", count, r -> {
                stdin.write((floodRequest(r + 2, count) + "\n").getBytes(StandardCharsets.UTF_8));
                stdin.flush();
                return countLines(stdout, buffer, count + 1L);
            });
        } finally {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * The same for the {@link WebSocketBenchServer} at {@code uri}: a raw socket's reader that only counts
     * frames.
     */
    double webSocket(URI uri, int count) throws Exception {
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            WebSocketBenchServer.clientUpgrade(out, in);
            FrameCounter frames = new FrameCounter(in);
            return medianRate("ws-ceiling", count, r -> {
                out.write(WebSocketBenchServer.clientFrame(0x81,
                        floodRequest(r + 1, count).getBytes(StandardCharsets.UTF_8)));
                out.flush();
                return frames.count(count + 1L);
            });
        }
    }

    /**
     * The JDK's {@code java.net.http.WebSocket} with a listener that only counts messages (asking for the next at
     * once, never looking at the text): the most a client on the JDK's WebSocket could receive.
     */
    double jdkWebSocket(URI uri, int count) throws Exception {
        AtomicReference<CountDownLatch> done = new AtomicReference<>();
        AtomicLong remaining = new AtomicLong();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(uri, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        webSocket.request(1);
                        if (last && remaining.decrementAndGet() == 0) {
                            done.get().countDown();
                        }
                        return null;
                    }
                }).join();
        try {
            long frameBytes = WebSocketBenchServer.notificationFrames()[0].length;
            return medianRate("ws-jdk", count, r -> {
                done.set(new CountDownLatch(1));
                remaining.set(count + 1L);
                socket.sendText(floodRequest(r + 1, count), true).join();
                try {
                    if (!done.get().await(Benchmarks.FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IOException("the JDK WebSocket ceiling's flood did not end");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                return count * frameBytes;
            });
        } finally {
            socket.abort();
        }
    }

    private static String floodRequest(int id, int count) {
        return "{\"id\":" + id + ",\"method\":\"bench/flood\",\"params\":{\"count\":" + count + "}}";
    }

    /** One flood of a ceiling round, read to its end; returns the bytes read. */
    private interface CeilingRound {
        long run(int round) throws IOException;
    }

    /** Warm-up and measured rounds of {@code count} notifications each; the median rate of the measured ones. */
    private double medianRate(String name, int count, CeilingRound round) throws IOException {
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            long start = System.nanoTime();
            long bytes = round.run(r);
            double seconds = (System.nanoTime() - start) / 1e9;
            double rate = count / seconds;
            PairedRounds.log(name, "server", r, r >= warmup, new Sample(rate, Map.of("MB/s", bytes / 1e6 / seconds)));
            if (r >= warmup) {
                rates.add(rate);
            }
        }
        return rates.stream().mapToDouble(Double::doubleValue).sorted().toArray()[rates.size() / 2];
    }

    /** Counts the server's frames by their headers, skipping payloads, as fast as a reader can. */
    private static final class FrameCounter {
        private final InputStream in;
        private final byte[] buffer = new byte[1 << 16];
        private final byte[] header = new byte[10];
        private int headerLength;
        private long skip;

        FrameCounter(InputStream in) {
            this.in = in;
        }

        /** Reads until {@code frames} whole frame headers have been seen; returns the bytes read. */
        long count(long frames) throws IOException {
            long seen = 0;
            long bytes = 0;
            while (seen < frames || skip > 0) {
                int read = in.read(buffer);
                if (read < 0) {
                    throw new IOException("bench server ended after " + seen + " of " + frames + " frames");
                }
                bytes += read;
                int i = 0;
                while (i < read) {
                    if (skip > 0) {
                        int k = (int) Math.min(skip, read - i);
                        i += k;
                        skip -= k;
                        continue;
                    }
                    header[headerLength++] = buffer[i++];
                    if (headerLength >= 2) {
                        int length7 = header[1] & 0x7F;
                        int needed = length7 == 127 ? 10 : length7 == 126 ? 4 : 2;
                        if (headerLength == needed) {
                            long length = length7;
                            if (needed > 2) {
                                length = 0;
                                for (int b = 2; b < needed; b++) {
                                    length = (length << 8) | (header[b] & 0xFF);
                                }
                            }
                            skip = length;
                            headerLength = 0;
                            seen++;
                        }
                    }
                }
            }
            return bytes;
        }
    }

    /** Reads until {@code lines} newlines have been seen; returns the bytes read. */
    private static long countLines(InputStream in, byte[] buffer, long lines) throws IOException {
        long seen = 0;
        long bytes = 0;
        while (seen < lines) {
            int read = in.read(buffer);
            if (read < 0) {
                throw new IOException("bench server ended after " + seen + " of " + lines + " lines");
            }
            bytes += read;
            for (int i = 0; i < read; i++) {
                if (buffer[i] == '\n') {
                    seen++;
                }
            }
        }
        return bytes;
    }
}

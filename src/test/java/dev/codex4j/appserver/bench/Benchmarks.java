package dev.codex4j.appserver.bench;

import dev.codex4j.appserver.rpc.NotificationOverflowException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.bench.PairedRounds.Sample;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;

/**
 * The end-to-end benchmarks of issue 7: {@link AppServerClient} against {@link Baseline} (a hand-written
 * readLine + readTree client), both talking to the same {@link BenchServer} in its own process, in one JVM.
 * Not a test: run it with {@code scripts/bench.sh}, which prints the Markdown table this writes to
 * {@code target/bench/results.md}.
 *
 * <p>Method: every paired scenario runs {@code warmup} rounds and then {@code rounds} measured rounds,
 * alternating client and baseline (A B A B ...) on two long-lived connections, and reports medians of the
 * measured rounds. Floods are timed from sending {@code bench/flood} until every subscriber has counted N
 * notifications (a latch, no sleeps). Allocation is {@code ThreadMXBean.getThreadAllocatedBytes} summed over
 * all live threads before and after a flood, divided by N.
 *
 * <p>Options ({@code --name=value}): {@code n} (notifications per flood to one typed subscriber, 1000000), {@code n8} (per
 * flood to 8 subscribers, n/5), {@code nraw} (per raw flood, n/2), {@code nws} (per WebSocket flood, n/4), {@code warmup} (2),
 * {@code rounds} (11), {@code seq} (sequential requests per round, 10000), {@code pipelined} (requests per
 * pipelined round, 50000), {@code inflight} (64), {@code buffer} (the client's notificationBufferSize for
 * the throughput runs, default n), {@code only} (comma-separated scenarios: ceiling, typed1, typed8, raw1,
 * rawparams1, latency, pipelined, chained, memory, and over WebSocket ws-ceiling, ws-typed1, ws-raw1, ws-latency,
 * ws-pipelined),
 * {@code side} (both, client, baseline: for profiling one side),
 * {@code server} ({@code java} for {@link BenchServer}, or the path of its native twin), {@code out}
 * (target/bench/results.md).
 *
 * <p>The {@code ws-} scenarios run the same floods and requests over a WebSocket on loopback: the client
 * ({@code AppServerClient.builder().webSocket(uri)}) against {@link WebSocketBaseline} (the same hand-written
 * client over the JDK's {@code java.net.http.WebSocket}), both connected to one {@link WebSocketBenchServer}.
 *
 * <p>This class holds the options, the orchestration and the scenarios; {@link Ceilings} measures the fake
 * servers' ceilings, {@link PairedRounds} alternates and logs the rounds, {@link JvmProbes} measures the JVM
 * around them, {@link RequestDrivers} keeps requests in flight, and {@link BenchReport} turns the results into
 * the table.
 */
public final class Benchmarks {

    static final Duration FLOOD_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> ALL = List.of("ceiling", "typed1", "typed8", "raw1", "rawparams1", "latency", "pipelined", "chained", "memory",
            "ws-ceiling", "ws-typed1", "ws-raw1", "ws-latency", "ws-pipelined");

    private final int n;
    private final int n8;
    private final int nRaw;
    private final int nWs;
    private final int warmup;
    private final int rounds;
    private final int seq;
    private final int pipelined;
    private final int inflight;
    private final int buffer;
    private final Set<String> only;
    private final boolean runClient;
    private final boolean runBaseline;
    private final Path out;
    private final Path script;

    private final List<String> notes = new ArrayList<>();
    private final Map<String, Double> results = new HashMap<>();
    private final PairedRounds paired;
    private final Ceilings ceilings;
    private final BenchReport report;

    /** A client and its baseline, over one kind of connection; either is {@code null} when its side is not run. */
    private record Sides(AppServerClient client, HandWrittenClient baseline) {}

    /** Over stdio, each with its own fake server process. */
    private Sides stdio = new Sides(null, null);
    /** Over WebSocket, both connected to one {@link WebSocketBenchServer} process. */
    private Sides ws = new Sides(null, null);
    private WebSocketBenchServer.Handle wsServer;

    private Benchmarks(Map<String, String> options, Path script) {
        this.n = Integer.parseInt(options.getOrDefault("n", "1000000"));
        this.n8 = Integer.parseInt(options.getOrDefault("n8", String.valueOf(Math.max(1, n / 5))));
        this.nRaw = Integer.parseInt(options.getOrDefault("nraw", String.valueOf(Math.max(1, n / 2))));
        this.nWs = Integer.parseInt(options.getOrDefault("nws", String.valueOf(Math.max(1, n / 4))));
        this.warmup = Integer.parseInt(options.getOrDefault("warmup", "2"));
        this.rounds = Integer.parseInt(options.getOrDefault("rounds", "11"));
        this.seq = Integer.parseInt(options.getOrDefault("seq", "10000"));
        this.pipelined = Integer.parseInt(options.getOrDefault("pipelined", "50000"));
        this.inflight = Integer.parseInt(options.getOrDefault("inflight", "64"));
        this.buffer = Integer.parseInt(options.getOrDefault("buffer", String.valueOf(n)));
        this.only = new LinkedHashSet<>(Arrays.asList(options.getOrDefault("only", String.join(",", ALL)).split(",")));
        String side = options.getOrDefault("side", "both");
        this.runClient = !side.equals("baseline");
        this.runBaseline = !side.equals("client");
        this.out = Path.of(options.getOrDefault("out", "target/bench/results.md"));
        this.script = script;
        this.paired = new PairedRounds(warmup, rounds, runClient, runBaseline);
        this.ceilings = new Ceilings(warmup, rounds);
        this.report = new BenchReport(results, paired.pairedRatios(),
                new BenchReport.Sizes(n, n8, nRaw, nWs, warmup, rounds, seq, pipelined, inflight, buffer));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --name=value, got " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        String server = options.getOrDefault("server", "java");
        Path script = server.equals("java") ? BenchServerLauncher.createScript(Path.of("target/bench"))
                : BenchServerLauncher.createNativeScript(Path.of("target/bench"), Path.of(server));
        Benchmarks benchmarks = new Benchmarks(options, script);
        if (benchmarks.only.stream().anyMatch(s -> !s.startsWith("ws-"))) {
            benchmarks.notes.add(server.equals("java") ? "Fake server: BenchServer (Java)."
                    : "Fake server: the native twin of BenchServer (src/test/c/bench_server.c), the same bytes out.");
        }
        long start = System.nanoTime();
        try {
            benchmarks.run();
        } finally {
            benchmarks.closeConnections();
        }
        String table = benchmarks.report.table(Duration.ofNanos(System.nanoTime() - start),
                benchmarks.notes);
        System.out.println();
        System.out.println(table);
        Files.createDirectories(benchmarks.out.toAbsolutePath().getParent());
        Files.writeString(benchmarks.out, table, StandardCharsets.UTF_8);
        System.out.println("written to " + benchmarks.out);
        System.exit(0);
    }

    // --- orchestration -------------------------------------------------------------------------------

    private void run() throws Exception {
        if (only.stream().anyMatch(s -> !s.startsWith("ws-"))) {
            stdio = new Sides(runClient ? started(AppServerClient.builder().executable(script)) : null,
                    runBaseline ? Baseline.start(script) : null);
        }
        if (only.stream().anyMatch(s -> s.startsWith("ws-"))) {
            wsServer = WebSocketBenchServer.Handle.start();
            ws = new Sides(runClient ? started(AppServerClient.builder().webSocket(wsServer.uri())) : null,
                    runBaseline ? WebSocketBaseline.connect(wsServer.uri()) : null);
            notes.add("WebSocket rows: one WebSocketBenchServer process (Java) on loopback serves the client's and the "
                    + "baseline's connections; baseline: WebSocketBaseline (the JDK's java.net.http.WebSocket).");
        }
        if (only.contains("ceiling")) {
            results.put("ceiling", ceilings.pipe(script, n));
        }
        if (only.contains("typed1")) {
            flood("typed1", n, 1, Reads.TYPED, stdio);
        }
        if (only.contains("typed8")) {
            flood("typed8", n8, 8, Reads.TYPED, stdio);
        }
        if (only.contains("raw1")) {
            flood("raw1", nRaw, 1, Reads.METHOD, stdio);
        }
        if (only.contains("rawparams1")) {
            flood("rawparams1", nRaw, 1, Reads.PARAMS, stdio);
        }
        if (only.contains("latency")) {
            latency("latency", stdio);
        }
        if (only.contains("pipelined")) {
            pipelined("pipelined", stdio);
        }
        if (only.contains("chained")) {
            chained();
        }
        if (only.contains("ws-ceiling")) {
            results.put("ws-ceiling", ceilings.webSocket(wsServer.uri(), nWs));
            results.put("ws-jdk-ceiling", ceilings.jdkWebSocket(wsServer.uri(), nWs));
        }
        if (only.contains("ws-typed1")) {
            flood("ws-typed1", nWs, 1, Reads.TYPED, ws);
        }
        if (only.contains("ws-raw1")) {
            flood("ws-raw1", nWs, 1, Reads.METHOD, ws);
        }
        if (only.contains("ws-latency")) {
            latency("ws-latency", ws);
        }
        if (only.contains("ws-pipelined")) {
            pipelined("ws-pipelined", ws);
        }
        if (only.contains("memory") && runClient) {
            memory();
        }
        report.summaryRows();
    }

    private AppServerClient started(AppServerClientBuilder builder) {
        AppServerClient client = builder.notificationBufferSize(buffer).requestTimeout(Duration.ofMinutes(5)).build();
        client.start().block(Duration.ofSeconds(30));
        return client;
    }

    private void closeConnections() {
        for (Sides sides : List.of(stdio, ws)) {
            if (sides.client() != null) {
                sides.client().close();
            }
            if (sides.baseline() != null) {
                sides.baseline().close();
            }
        }
        if (wsServer != null) {
            wsServer.close();
        }
    }

    // --- notification floods -------------------------------------------------------------------------

    /**
     * What a flood's subscribers read of each notification: the typed record of one method's stream, or from
     * {@code notifications()} only the method, or the method and the params tree (the baseline's listener
     * gets the tree it built from the whole line in every case).
     */
    private enum Reads { TYPED, METHOD, PARAMS }

    private void flood(String key, int count, int subscribers, Reads reads, Sides sides) throws Exception {
        Map<String, double[]> m = paired.alternate(key,
                r -> clientFlood(sides.client(), count, subscribers, reads),
                r -> baselineFlood(sides.baseline(), count, subscribers, reads));
        results.put(key + ".baseline", m.get("value")[0]);
        results.put(key + ".client", m.get("value")[1]);
        results.put(key + ".alloc.baseline", m.get("B/notif")[0]);
        results.put(key + ".alloc.client", m.get("B/notif")[1]);
        results.put(key + ".cpu.baseline", m.get("cpu ns/notif")[0]);
        results.put(key + ".cpu.client", m.get("cpu ns/notif")[1]);
        results.put(key + ".cs.baseline", m.get("cs/1k notif")[0]);
        results.put(key + ".cs.client", m.get("cs/1k notif")[1]);
        results.put(key + ".nanosPerNotification.baseline", m.get("s")[0] * 1e9 / count);
        results.put(key + ".nanosPerNotification.client", m.get("s")[1] * 1e9 / count);
    }

    private static Sample clientFlood(AppServerClient client, int n, int subscribers, Reads reads) throws Exception {
        CountDownLatch done = new CountDownLatch(subscribers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Disposable> subscriptions = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            FloodCounter counter = new FloodCounter(n, done, failure);
            subscriptions.add(switch (reads) {
                case TYPED -> client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA)
                        .subscribe(counter::typed, counter::error);
                case METHOD -> client.notifications().subscribe(n1 -> counter.raw(n1.method()), counter::error);
                case PARAMS -> client.notifications().subscribe(n1 -> counter.raw(n1.method(), n1.params()),
                        counter::error);
            });
        }
        Map<Long, Long> allocatedBefore = JvmProbes.allocatedBytes();
        long cpuBefore = JvmProbes.processCpuNanos();
        long switchesBefore = JvmProbes.contextSwitches();
        long start = System.nanoTime();
        CompletableFuture<JsonNode> response = client.request("bench/flood", Map.of("count", n)).toFuture();
        await(done, failure, "client flood");
        long elapsed = System.nanoTime() - start;
        long allocated = JvmProbes.allocatedSince(allocatedBefore);
        long cpu = JvmProbes.processCpuNanos() - cpuBefore;
        long switches = JvmProbes.contextSwitches() - switchesBefore;
        response.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        subscriptions.forEach(Disposable::dispose);
        return floodSample(n, elapsed, allocated, cpu, switches);
    }

    private static Sample baselineFlood(HandWrittenClient baseline, int n, int subscribers, Reads reads)
            throws Exception {
        CountDownLatch done = new CountDownLatch(subscribers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Runnable> removals = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            FloodCounter counter = new FloodCounter(n, done, failure);
            removals.add(switch (reads) {
                case TYPED -> baseline.listen("item/agentMessage/delta", AgentMessageDeltaNotification.class,
                        counter::typed);
                case METHOD -> baseline.listen((method, params) -> counter.raw(method));
                case PARAMS -> baseline.listen(counter::raw);
            });
        }
        Map<Long, Long> allocatedBefore = JvmProbes.allocatedBytes();
        long cpuBefore = JvmProbes.processCpuNanos();
        long switchesBefore = JvmProbes.contextSwitches();
        long start = System.nanoTime();
        CompletableFuture<JsonNode> response = baseline.request("bench/flood", Map.of("count", n));
        await(done, failure, "baseline flood");
        long elapsed = System.nanoTime() - start;
        long allocated = JvmProbes.allocatedSince(allocatedBefore);
        long cpu = JvmProbes.processCpuNanos() - cpuBefore;
        long switches = JvmProbes.contextSwitches() - switchesBefore;
        response.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        removals.forEach(Runnable::run);
        return floodSample(n, elapsed, allocated, cpu, switches);
    }

    private static Sample floodSample(int n, long elapsedNanos, long allocatedBytes, long cpuNanos, long switches) {
        double seconds = elapsedNanos / 1e9;
        return new Sample(n / seconds, Map.of("s", seconds, "B/notif", (double) allocatedBytes / n,
                "cpu ns/notif", (double) cpuNanos / n, "cs/1k notif", switches * 1000.0 / n));
    }

    private static void await(CountDownLatch done, AtomicReference<Throwable> failure, String what) throws Exception {
        if (!done.await(FLOOD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(what + " did not complete within " + FLOOD_TIMEOUT);
        }
        Throwable error = failure.get();
        if (error != null) {
            throw new IllegalStateException(what + " failed: " + error, error);
        }
    }

    // --- requests ------------------------------------------------------------------------------------

    private void latency(String name, Sides sides) throws Exception {
        Map<String, double[]> m = paired.alternate(name,
                r -> sequential(i -> sides.client().request("bench/echo", Map.of("seq", i)).toFuture()),
                r -> sequential(i -> sides.baseline().request("bench/echo", Map.of("seq", i))));
        for (String key : List.of("mean", "p50", "p99")) {
            results.put(name + "." + key + ".baseline", m.get(key)[0]);
            results.put(name + "." + key + ".client", m.get(key)[1]);
        }
    }

    /** {@code seq} round trips one after another; latencies in microseconds. */
    private Sample sequential(IntFunction<CompletableFuture<JsonNode>> send) throws Exception {
        long[] nanos = new long[seq];
        for (int i = 0; i < seq; i++) {
            long start = System.nanoTime();
            JsonNode result = send.apply(i).get(30, TimeUnit.SECONDS);
            nanos[i] = System.nanoTime() - start;
            if (result.path("seq").asLong() != i) {
                throw new IllegalStateException("echo " + i + " answered " + result);
            }
        }
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElse(0) / 1e3;
        double p50 = nanos[seq / 2] / 1e3;
        double p99 = nanos[(int) Math.min(seq - 1, Math.ceil(seq * 0.99) - 1)] / 1e3;
        return new Sample(mean, Map.of("mean", mean, "p50", p50, "p99", p99));
    }

    private void pipelined(String name, Sides sides) throws Exception {
        requestRows(name, paired.alternate(name,
                r -> measureRequests(() -> RequestDrivers.pipeline(pipelined, inflight,
                        i -> sides.client().request("bench/echo", Map.of("seq", i)).toFuture())),
                r -> measureRequests(() -> RequestDrivers.pipeline(pipelined, inflight,
                        i -> sides.baseline().request("bench/echo", Map.of("seq", i))))));
    }

    private void chained() throws Exception {
        requestRows("chained", paired.alternate("chained",
                r -> measureRequests(() -> RequestDrivers.flatMapped(stdio.client(), pipelined, inflight)),
                r -> measureRequests(() -> RequestDrivers.chain(pipelined, inflight,
                        i -> stdio.baseline().request("bench/echo", Map.of("seq", i))))));
    }

    private void requestRows(String name, Map<String, double[]> m) {
        results.put(name + ".baseline", m.get("value")[0]);
        results.put(name + ".client", m.get("value")[1]);
        results.put(name + ".cpu.baseline", m.get("cpu ns/req")[0]);
        results.put(name + ".cpu.client", m.get("cpu ns/req")[1]);
        results.put(name + ".cs.baseline", m.get("cs/1k req")[0]);
        results.put(name + ".cs.client", m.get("cs/1k req")[1]);
    }

    /** Runs {@code pipelined} requests to the end (throwing if one failed or answered wrongly). */
    private interface RequestDriver {
        void run() throws Exception;
    }

    /** Times one driver's run: requests per second, with CPU, allocation and context switches per request. */
    private Sample measureRequests(RequestDriver driver) throws Exception {
        long cpuBefore = JvmProbes.processCpuNanos();
        long switchesBefore = JvmProbes.contextSwitches();
        long callerBefore = JvmProbes.currentThreadCpuNanos();
        long readerBefore = JvmProbes.readerCpuNanos();
        Map<Long, Long> allocatedBefore = JvmProbes.allocatedBytes();
        long start = System.nanoTime();
        driver.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = JvmProbes.processCpuNanos() - cpuBefore;
        long callerCpu = JvmProbes.currentThreadCpuNanos() - callerBefore;
        long readerCpu = JvmProbes.readerCpuNanos() - readerBefore;
        return new Sample(pipelined / seconds, Map.of("cpu ns/req", (double) cpu / pipelined,
                "caller cpu ns/req", (double) callerCpu / pipelined,
                "reader cpu ns/req", (double) readerCpu / pipelined,
                "bytes/req", (double) JvmProbes.allocatedSince(allocatedBefore) / pipelined,
                "cs/1k req", (JvmProbes.contextSwitches() - switchesBefore) * 1000.0 / pipelined));
    }

    // --- bounded memory ------------------------------------------------------------------------------

    /**
     * A flood of n to a subscriber that requests 1 and then nothing, on a client with the default buffer
     * (8192): heap retained after the flood versus before, then the subscriber asks for everything and must
     * receive what was buffered followed by the overflow error.
     */
    private void memory() throws Exception {
        int bufferSize = 8192;
        try (AppServerClient slowClient = AppServerClient.builder()
                .executable(script)
                .notificationBufferSize(bufferSize)
                .requestTimeout(Duration.ofMinutes(5))
                .build()) {
            slowClient.start().block(Duration.ofSeconds(30));
            AtomicLong received = new AtomicLong();
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            BaseSubscriber<Object> stalled = new BaseSubscriber<>() {
                @Override
                protected void hookOnSubscribe(Subscription subscription) {
                    subscription.request(1);
                }

                @Override
                protected void hookOnNext(Object value) {
                    received.incrementAndGet();
                }

                @Override
                protected void hookOnError(Throwable error) {
                    ended.complete(error);
                }

                @Override
                protected void hookOnComplete() {
                    ended.complete(null);
                }
            };
            slowClient.notifications().subscribe(stalled);
            long before = JvmProbes.heapUsedAfterGc();
            JvmProbes.resetPeaks();
            slowClient.request("bench/flood", Map.of("count", n)).block(FLOOD_TIMEOUT);
            long peak = JvmProbes.heapPeak();
            long after = JvmProbes.heapUsedAfterGc();
            long receivedWhileStalled = received.get();
            stalled.request(Long.MAX_VALUE);
            Throwable end = ended.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            long retained = after - before;
            boolean overflowed = end instanceof NotificationOverflowException;
            results.put("memory.retainedMiB", retained / (double) BenchReport.MIB);
            results.put("memory.peakMiB", peak / (double) BenchReport.MIB);
            results.put("memory.ok", overflowed && retained < 64 * BenchReport.MIB ? 1.0 : 0.0);
            String endName = end == null ? "completed (no error)" : end.getClass().getSimpleName();
            notes.add(String.format(Locale.ROOT, "Stalled subscriber (requested 1, buffer %d): heap retained after a "
                            + "flood of %,d: %+.1f MiB (peak heap occupancy during the flood, garbage included, %.0f MiB); received %d while "
                            + "stalled, %,d after requesting the rest, then %s.", bufferSize, n,
                    retained / (double) BenchReport.MIB, peak / (double) BenchReport.MIB, receivedWhileStalled, received.get() - receivedWhileStalled, endName));
            System.out.println(notes.get(notes.size() - 1));
        }
    }
}

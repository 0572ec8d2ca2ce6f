package dev.codex4j.appserver.bench;

import dev.codex4j.appserver.rpc.NotificationOverflowException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AgentMessageDeltaNotification;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

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
 * flood to 8 subscribers, n/5), {@code nraw} (per raw flood, n/2), {@code warmup} (2),
 * {@code rounds} (11), {@code seq} (sequential requests per round, 10000), {@code pipelined} (requests per
 * pipelined round, 50000), {@code inflight} (64), {@code buffer} (the client's notificationBufferSize for
 * the throughput runs, default n), {@code only} (comma-separated scenarios: ceiling, typed1, typed8, raw1,
 * rawparams1, latency, pipelined, chained, memory), {@code side} (both, client, baseline: for profiling one side),
 * {@code server} ({@code java} for {@link BenchServer}, or the path of its native twin), {@code out}
 * (target/bench/results.md).
 */
public final class Benchmarks {

    private static final Duration FLOOD_TIMEOUT = Duration.ofMinutes(2);
    private static final List<String> ALL = List.of("ceiling", "typed1", "typed8", "raw1", "rawparams1", "latency", "pipelined", "chained", "memory");
    private static final long MIB = 1024 * 1024;
    private static final List<String> FLOODS = List.of("typed1", "typed8", "raw1", "rawparams1");

    private final int n;
    private final int n8;
    private final int nRaw;
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

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<Row> rows = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    /** Per scenario, the sorted ratios client/baseline of each pair of back-to-back rounds. */
    private final Map<String, double[]> pairedRatios = new HashMap<>();
    private final Map<String, Double> results = new HashMap<>();

    private AppServerClient client;
    private Baseline baseline;

    private Benchmarks(Map<String, String> options, Path script) {
        this.n = Integer.parseInt(options.getOrDefault("n", "1000000"));
        this.n8 = Integer.parseInt(options.getOrDefault("n8", String.valueOf(Math.max(1, n / 5))));
        this.nRaw = Integer.parseInt(options.getOrDefault("nraw", String.valueOf(Math.max(1, n / 2))));
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
        benchmarks.notes.add(server.equals("java") ? "Fake server: BenchServer (Java)."
                : "Fake server: the native twin of BenchServer (src/test/c/bench_server.c), the same bytes out.");
        long start = System.nanoTime();
        try {
            benchmarks.run();
        } finally {
            benchmarks.closeConnections();
        }
        String table = benchmarks.table(Duration.ofNanos(System.nanoTime() - start));
        System.out.println();
        System.out.println(table);
        Files.createDirectories(benchmarks.out.toAbsolutePath().getParent());
        Files.writeString(benchmarks.out, table, StandardCharsets.UTF_8);
        System.out.println("written to " + benchmarks.out);
        System.exit(0);
    }

    // --- orchestration -------------------------------------------------------------------------------

    private void run() throws Exception {
        if (runClient) {
            client = AppServerClient.builder()
                    .executable(script)
                    .notificationBufferSize(buffer)
                    .requestTimeout(Duration.ofMinutes(5))
                    .build();
            client.start().block(Duration.ofSeconds(30));
        }
        if (runBaseline) {
            baseline = Baseline.start(script);
        }
        if (only.contains("ceiling")) {
            ceiling();
        }
        if (only.contains("typed1")) {
            flood("typed1", n, 1, Reads.TYPED);
        }
        if (only.contains("typed8")) {
            flood("typed8", n8, 8, Reads.TYPED);
        }
        if (only.contains("raw1")) {
            flood("raw1", nRaw, 1, Reads.METHOD);
        }
        if (only.contains("rawparams1")) {
            flood("rawparams1", nRaw, 1, Reads.PARAMS);
        }
        if (only.contains("latency")) {
            latency();
        }
        if (only.contains("pipelined")) {
            pipelined();
        }
        if (only.contains("chained")) {
            chained();
        }
        if (only.contains("memory") && runClient) {
            memory();
        }
        summaryRows();
    }

    private void closeConnections() {
        if (client != null) {
            client.close();
        }
        if (baseline != null) {
            baseline.close();
        }
    }

    /** A measurement of one side in one round. */
    private interface Round {
        Sample run(int round) throws Exception;
    }

    /** One round's outcome: a primary value plus named extras (allocation, percentiles). */
    private record Sample(double value, Map<String, Double> extra) {
        static Sample of(double value) {
            return new Sample(value, Map.of());
        }
    }

    /** Warm-up rounds, then measured rounds, alternating client and baseline; medians per key. */
    private Map<String, double[]> alternate(String name, Round clientRound, Round baselineRound) throws Exception {
        List<Sample> clientSamples = new ArrayList<>();
        List<Sample> baselineSamples = new ArrayList<>();
        for (int r = 0; r < warmup + rounds; r++) {
            boolean measured = r >= warmup;
            if (runClient) {
                Sample s = clientRound.run(r);
                log(name, "client", r, measured, s);
                if (measured) {
                    clientSamples.add(s);
                }
            }
            if (runBaseline) {
                Sample s = baselineRound.run(r);
                log(name, "baseline", r, measured, s);
                if (measured) {
                    baselineSamples.add(s);
                }
            }
        }
        if (clientSamples.size() == baselineSamples.size() && !clientSamples.isEmpty()) {
            // the client's and the baseline's round r ran back to back: their ratio shares that moment's noise
            double[] ratios = new double[clientSamples.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = clientSamples.get(i).value() / baselineSamples.get(i).value();
            }
            Arrays.sort(ratios);
            pairedRatios.put(name, ratios);
        }
        Map<String, double[]> medians = new HashMap<>();
        for (String key : keys(clientSamples, baselineSamples)) {
            medians.put(key, new double[] {median(baselineSamples, key), median(clientSamples, key)});
        }
        return medians;
    }

    private static Set<String> keys(List<Sample> a, List<Sample> b) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add("value");
        for (List<Sample> list : List.of(a, b)) {
            list.forEach(s -> keys.addAll(s.extra().keySet()));
        }
        return keys;
    }

    private static double median(List<Sample> samples, String key) {
        double[] values = samples.stream()
                .mapToDouble(s -> key.equals("value") ? s.value() : s.extra().getOrDefault(key, Double.NaN))
                .sorted().toArray();
        if (values.length == 0) {
            return Double.NaN;
        }
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private static void log(String name, String side, int round, boolean measured, Sample s) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-9s %-8s round %d%s %,14.1f", name, side,
                round, measured ? " " : "w", s.value()));
        s.extra().forEach((k, v) -> line.append(String.format(Locale.ROOT, "  %s=%,.1f", k, v)));
        System.out.println(line);
    }

    // --- the fake server's ceiling -------------------------------------------------------------------

    /** BenchServer flooding into a reader that only counts newlines: the most any client could receive. */
    private void ceiling() throws Exception {
        Process process = new ProcessBuilder(script.toString(), "app-server")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream stdin = process.getOutputStream(); InputStream stdout = process.getInputStream()) {
            byte[] buffer = new byte[1 << 16];
            stdin.write("{\"id\":1,\"method\":\"initialize\",\"params\":{}}\n".getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            countLines(stdout, buffer, 1);
            List<Double> rates = new ArrayList<>();
            for (int r = 0; r < warmup + rounds; r++) {
                long start = System.nanoTime();
                stdin.write(("{\"id\":" + (r + 2) + ",\"method\":\"bench/flood\",\"params\":{\"count\":" + n + "}}\n")
                        .getBytes(StandardCharsets.UTF_8));
                stdin.flush();
                long bytes = countLines(stdout, buffer, n + 1L);
                double rate = n / ((System.nanoTime() - start) / 1e9);
                log("ceiling", "server", r, r >= warmup, new Sample(rate, Map.of("MB/s", bytes / 1e6 / ((System.nanoTime() - start) / 1e9))));
                if (r >= warmup) {
                    rates.add(rate);
                }
            }
            double median = rates.stream().mapToDouble(Double::doubleValue).sorted().toArray()[rates.size() / 2];
            results.put("ceiling", median);
        } finally {
            process.destroy();
            process.waitFor(5, TimeUnit.SECONDS);
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

    // --- notification floods -------------------------------------------------------------------------

    /**
     * What a flood's subscribers read of each notification: the typed record of one method's stream, or from
     * {@code notifications()} only the method, or the method and the params tree (the baseline's listener
     * gets the tree it built from the whole line in every case).
     */
    private enum Reads { TYPED, METHOD, PARAMS }

    /** Counts what one subscriber receives; signals the latch at exactly {@code target}. */
    private static final class Counter {
        private final long target;
        private final CountDownLatch done;
        private final AtomicReference<Throwable> failure;
        private long count;
        private long chars;

        Counter(long target, CountDownLatch done, AtomicReference<Throwable> failure) {
            this.target = target;
            this.done = done;
            this.failure = failure;
        }

        void typed(AgentMessageDeltaNotification delta) {
            chars += delta.delta().length();
            tick();
        }

        void raw(String method) {
            chars += method.length();
            tick();
        }

        void raw(String method, JsonNode params) {
            chars += method.length() + params.size();
            tick();
        }

        private void tick() {
            if (++count == target) {
                done.countDown();
            }
        }

        void error(Throwable error) {
            failure.compareAndSet(null, error);
            done.countDown();
        }
    }

    private void flood(String key, int count, int subscribers, Reads reads) throws Exception {
        Map<String, double[]> m = alternate(key,
                r -> clientFlood(count, subscribers, reads),
                r -> baselineFlood(count, subscribers, reads));
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

    private Sample clientFlood(int n, int subscribers, Reads reads) throws Exception {
        CountDownLatch done = new CountDownLatch(subscribers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Disposable> subscriptions = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Counter counter = new Counter(n, done, failure);
            subscriptions.add(switch (reads) {
                case TYPED -> client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA)
                        .subscribe(counter::typed, counter::error);
                case METHOD -> client.notifications().subscribe(n1 -> counter.raw(n1.method()), counter::error);
                case PARAMS -> client.notifications().subscribe(n1 -> counter.raw(n1.method(), n1.params()),
                        counter::error);
            });
        }
        Map<Long, Long> allocatedBefore = allocatedBytes();
        long cpuBefore = processCpuNanos();
        long switchesBefore = contextSwitches();
        long start = System.nanoTime();
        CompletableFuture<JsonNode> response = client.request("bench/flood", Map.of("count", n)).toFuture();
        await(done, failure, "client flood");
        long elapsed = System.nanoTime() - start;
        long allocated = allocatedSince(allocatedBefore);
        long cpu = processCpuNanos() - cpuBefore;
        long switches = contextSwitches() - switchesBefore;
        response.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        subscriptions.forEach(Disposable::dispose);
        return floodSample(n, elapsed, allocated, cpu, switches);
    }

    private Sample baselineFlood(int n, int subscribers, Reads reads) throws Exception {
        CountDownLatch done = new CountDownLatch(subscribers);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Runnable> removals = new ArrayList<>();
        for (int i = 0; i < subscribers; i++) {
            Counter counter = new Counter(n, done, failure);
            removals.add(switch (reads) {
                case TYPED -> baseline.listen("item/agentMessage/delta", AgentMessageDeltaNotification.class,
                        counter::typed);
                case METHOD -> baseline.listen((method, params) -> counter.raw(method));
                case PARAMS -> baseline.listen(counter::raw);
            });
        }
        Map<Long, Long> allocatedBefore = allocatedBytes();
        long cpuBefore = processCpuNanos();
        long switchesBefore = contextSwitches();
        long start = System.nanoTime();
        CompletableFuture<JsonNode> response = baseline.request("bench/flood", Map.of("count", n));
        await(done, failure, "baseline flood");
        long elapsed = System.nanoTime() - start;
        long allocated = allocatedSince(allocatedBefore);
        long cpu = processCpuNanos() - cpuBefore;
        long switches = contextSwitches() - switchesBefore;
        response.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        removals.forEach(Runnable::run);
        return floodSample(n, elapsed, allocated, cpu, switches);
    }

    private static Sample floodSample(int n, long elapsedNanos, long allocatedBytes, long cpuNanos, long switches) {
        double seconds = elapsedNanos / 1e9;
        return new Sample(n / seconds, Map.of("s", seconds, "B/notif", (double) allocatedBytes / n,
                "cpu ns/notif", (double) cpuNanos / n, "cs/1k notif", switches * 1000.0 / n));
    }

    /** CPU time of this JVM, all threads (GC and JIT included). */
    /** CPU time of the live reader threads: the client's stdout readers and the baseline's. */
    private long readerCpuNanos() {
        long total = 0;
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && (info.getThreadName().startsWith("codex4j-stdout-")
                    || info.getThreadName().equals("baseline-reader"))) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Context switches (voluntary + involuntary) of this JVM's live threads, from {@code /proc/self/task};
     * -1 where that does not exist. Mostly wake-ups: a thread that parks and is unparked switches twice.
     */
    private static long contextSwitches() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long total = 0;
        try (var dirs = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) dirs::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
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

    /** Bytes allocated so far by each live thread. */
    private Map<Long, Long> allocatedBytes() {
        long[] ids = threads.getAllThreadIds();
        long[] bytes = threads.getThreadAllocatedBytes(ids);
        Map<Long, Long> byThread = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (bytes[i] >= 0) {
                byThread.put(ids[i], bytes[i]);
            }
        }
        return byThread;
    }

    /** Bytes allocated since {@code before} by threads alive now (threads that ended meanwhile are missed). */
    private long allocatedSince(Map<Long, Long> before) {
        long total = 0;
        for (Map.Entry<Long, Long> now : allocatedBytes().entrySet()) {
            total += now.getValue() - before.getOrDefault(now.getKey(), 0L);
        }
        return total;
    }

    // --- requests ------------------------------------------------------------------------------------

    private void latency() throws Exception {
        Map<String, double[]> m = alternate("latency",
                r -> sequential(i -> client.request("bench/echo", Map.of("seq", i)).toFuture()),
                r -> sequential(i -> baseline.request("bench/echo", Map.of("seq", i))));
        for (String key : List.of("mean", "p50", "p99")) {
            results.put("latency." + key + ".baseline", m.get(key)[0]);
            results.put("latency." + key + ".client", m.get(key)[1]);
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

    private void pipelined() throws Exception {
        requestRows("pipelined", alternate("pipelined",
                r -> measureRequests(() -> pipeline(i -> client.request("bench/echo", Map.of("seq", i)).toFuture())),
                r -> measureRequests(() -> pipeline(i -> baseline.request("bench/echo", Map.of("seq", i))))));
    }

    private void chained() throws Exception {
        requestRows("chained", alternate("chained",
                r -> measureRequests(this::chainClient),
                r -> measureRequests(() -> chain(i -> baseline.request("bench/echo", Map.of("seq", i))))));
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
        long cpuBefore = processCpuNanos();
        long switchesBefore = contextSwitches();
        long callerBefore = threads.getCurrentThreadCpuTime();
        long readerBefore = readerCpuNanos();
        Map<Long, Long> allocatedBefore = allocatedBytes();
        long start = System.nanoTime();
        driver.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = processCpuNanos() - cpuBefore;
        long callerCpu = threads.getCurrentThreadCpuTime() - callerBefore;
        long readerCpu = readerCpuNanos() - readerBefore;
        return new Sample(pipelined / seconds, Map.of("cpu ns/req", (double) cpu / pipelined,
                "caller cpu ns/req", (double) callerCpu / pipelined,
                "reader cpu ns/req", (double) readerCpu / pipelined,
                "bytes/req", (double) allocatedSince(allocatedBefore) / pipelined,
                "cs/1k req", (contextSwitches() - switchesBefore) * 1000.0 / pipelined));
    }

    /** {@code pipelined} requests from this thread, with at most {@code inflight} outstanding. */
    private void pipeline(IntFunction<CompletableFuture<JsonNode>> send) throws Exception {
        Semaphore permits = new Semaphore(inflight);
        CountDownLatch done = new CountDownLatch(pipelined);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < pipelined; i++) {
            permits.acquire();
            int expected = i;
            send.apply(i).whenComplete((result, error) -> {
                check(expected, result, error, failure);
                permits.release();
                done.countDown();
            });
        }
        awaitRequests(done, failure);
    }

    /**
     * {@code inflight} chains of requests, each answer sending the next request from where it completes (the
     * reader thread): how a hand-written client keeps many in flight without a thread of its own.
     */
    private void chain(IntFunction<CompletableFuture<JsonNode>> send) throws Exception {
        CountDownLatch done = new CountDownLatch(pipelined);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        Runnable sendNext = new Runnable() {
            @Override
            public void run() {
                int i = next.getAndIncrement();
                if (i < pipelined) {
                    send.apply(i).whenComplete((result, error) -> {
                        check(i, result, error, failure);
                        done.countDown();
                        run();
                    });
                }
            }
        };
        for (int k = 0; k < inflight; k++) {
            sendNext.run();
        }
        awaitRequests(done, failure);
    }

    /** The same with Reactor, as a user of the client writes it: {@code flatMap} with a concurrency of 64. */
    private void chainClient() {
        Flux.range(0, pipelined)
                .flatMap(i -> client.request("bench/echo", Map.of("seq", i)).doOnNext(result -> {
                    if (result.path("seq").asLong() != i) {
                        throw new IllegalStateException("echo " + i + " answered " + result);
                    }
                }), inflight)
                .then()
                .block(FLOOD_TIMEOUT);
    }

    private static void check(int expected, JsonNode result, Throwable error, AtomicReference<Throwable> failure) {
        if (error != null) {
            failure.compareAndSet(null, error);
        } else if (result.path("seq").asLong() != expected) {
            failure.compareAndSet(null, new IllegalStateException("echo " + expected + " answered " + result));
        }
    }

    private static void awaitRequests(CountDownLatch done, AtomicReference<Throwable> failure) throws Exception {
        if (!done.await(FLOOD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("pipelined requests did not complete");
        }
        if (failure.get() != null) {
            throw new IllegalStateException("pipelined request failed", failure.get());
        }
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
            long before = heapUsedAfterGc();
            resetPeaks();
            slowClient.request("bench/flood", Map.of("count", n)).block(FLOOD_TIMEOUT);
            long peak = heapPeak();
            long after = heapUsedAfterGc();
            long receivedWhileStalled = received.get();
            stalled.request(Long.MAX_VALUE);
            Throwable end = ended.get(FLOOD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            long retained = after - before;
            boolean overflowed = end instanceof NotificationOverflowException;
            results.put("memory.retainedMiB", retained / (double) MIB);
            results.put("memory.peakMiB", peak / (double) MIB);
            results.put("memory.ok", overflowed && retained < 64 * MIB ? 1.0 : 0.0);
            String endName = end == null ? "completed (no error)" : end.getClass().getSimpleName();
            notes.add(String.format(Locale.ROOT, "Stalled subscriber (requested 1, buffer %d): heap retained after a "
                            + "flood of %,d: %+.1f MiB (peak heap occupancy during the flood, garbage included, %.0f MiB); received %d while "
                            + "stalled, %,d after requesting the rest, then %s.", bufferSize, n, retained / (double) MIB,
                    peak / (double) MIB, receivedWhileStalled, received.get() - receivedWhileStalled, endName));
            System.out.println(notes.get(notes.size() - 1));
        }
    }

    private static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** Sum of the heap pools' peaks: an upper bound of what was in use at any one time. */
    private static long heapPeak() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
    }

    // --- report --------------------------------------------------------------------------------------

    private record Row(String metric, String baseline, String client, String ratio, String target, String result) {}

    private void summaryRows() {
        if (results.containsKey("typed1.client") || results.containsKey("typed1.baseline")) {
            throughputRow("typed1", String.format(Locale.ROOT, "notifications/s, typed, 1 subscriber (N=%,d)", n), 1.5);
        }
        if (results.containsKey("typed8.client") || results.containsKey("typed8.baseline")) {
            throughputRow("typed8", String.format(Locale.ROOT, "notifications/s, typed, 8 subscribers (N=%,d)", n8),
                    Double.NaN);
            double b = results.get("typed8.nanosPerNotification.baseline")
                    / results.getOrDefault("typed1.nanosPerNotification.baseline", Double.NaN);
            double c = results.get("typed8.nanosPerNotification.client")
                    / results.getOrDefault("typed1.nanosPerNotification.client", Double.NaN);
            rows.add(new Row("time 8 subscribers / time 1 subscriber (per notification)", fmt(b, "%.2f×"),
                    fmt(c, "%.2f×"), "",
                    "client < 2.0×", verdict(c < 2.0, c)));
        }
        if (results.containsKey("raw1.client") || results.containsKey("raw1.baseline")) {
            throughputRow("raw1", String.format(Locale.ROOT,
                    "notifications/s, raw `notifications()` reading method(), 1 subscriber (N=%,d)", nRaw), 1.5);
        }
        if (results.containsKey("rawparams1.client") || results.containsKey("rawparams1.baseline")) {
            throughputRow("rawparams1", String.format(Locale.ROOT,
                    "notifications/s, raw `notifications()` reading params(), 1 subscriber (N=%,d)", nRaw), 1.5);
        }
        for (String key : FLOODS) {
            if (results.containsKey(key + ".alloc.client") || results.containsKey(key + ".alloc.baseline")) {
                lowerIsBetterRow("bytes allocated / notification, " + key, key + ".alloc", "%,.0f", "%.2f×");
                lowerIsBetterRow("JVM CPU ns / notification, " + key, key + ".cpu", "%,.0f", "%.2f×");
                lowerIsBetterRow("context switches / 1000 notifications, " + key, key + ".cs", "%,.1f", "%.1f×");
            }
        }
        if (results.containsKey("latency.mean.client") || results.containsKey("latency.mean.baseline")) {
            for (String key : List.of("mean", "p50", "p99")) {
                double b = results.get("latency." + key + ".baseline");
                double c = results.get("latency." + key + ".client");
                boolean target = key.equals("mean");
                double ratio = target ? pairedMedian("latency", c / b) : c / b;
                rows.add(new Row("sequential round trip " + key + " (µs)", fmt(b, "%.1f"), fmt(c, "%.1f"),
                        target ? ratioCell("latency", c / b) : fmt(c / b, "%.2f×"),
                        target ? "≤ 1.10×" : "(lower is better)", target ? verdict(ratio <= 1.10, ratio) : "info"));
            }
        }
        requestSummary("pipelined", "requests/s, " + inflight + " in flight from one thread");
        requestSummary("chained", "requests/s, " + inflight + " in flight, each answer sends the next");
        if (results.containsKey("memory.ok")) {
            rows.add(new Row("stalled subscriber: heap retained after flood", "n/a",
                    fmt(results.get("memory.retainedMiB"), "%+.1f MiB"), "",
                    "< 64 MiB + overflow error", results.get("memory.ok") == 1.0 ? "PASS" : "FAIL"));
        }
        if (results.containsKey("ceiling")) {
            double ceiling = results.get("ceiling");
            double fastest = 0;
            for (String key : FLOODS) {
                double b = results.getOrDefault(key + ".baseline", Double.NaN);
                double c = results.getOrDefault(key + ".client", Double.NaN);
                if (!Double.isNaN(b) || !Double.isNaN(c)) {
                    rows.add(new Row("share of the pipe's ceiling, " + key, fmt(100 * b / ceiling, "%.0f %%"),
                            fmt(100 * c / ceiling, "%.0f %%"), "", "(info)", "info"));
                }
                fastest = Math.max(fastest, Math.max(Double.isNaN(b) ? 0 : b, Double.isNaN(c) ? 0 : c));
            }
            double ratio = ceiling / fastest;
            rows.add(new Row("fake server ceiling (newline-counting reader), notifications/s", "", fmt(ceiling, "%,.0f"),
                    fastest > 0 ? fmt(ratio, "%.1f× fastest") : "", "≥ 3× fastest side",
                    fastest > 0 ? verdict(ratio >= 3.0, ratio) : "info"));
        }
    }

    private void requestSummary(String key, String metric) {
        if (!results.containsKey(key + ".client") && !results.containsKey(key + ".baseline")) {
            return;
        }
        throughputRow(key, metric, 1.0);
        lowerIsBetterRow("JVM CPU ns / request, " + key, key + ".cpu", "%,.0f", "%.2f×");
        lowerIsBetterRow("context switches / 1000 requests, " + key, key + ".cs", "%,.1f", "%.1f×");
    }

    /** An info row of {@code key}'s baseline and client figures and their ratio. */
    private void lowerIsBetterRow(String metric, String key, String valueFormat, String ratioFormat) {
        double b = results.get(key + ".baseline");
        double c = results.get(key + ".client");
        rows.add(new Row(metric, fmt(b, valueFormat), fmt(c, valueFormat), fmt(c / b, ratioFormat),
                "(lower is better)", "info"));
    }

    private void throughputRow(String key, String metric, double target) {
        double b = results.getOrDefault(key + ".baseline", Double.NaN);
        double c = results.getOrDefault(key + ".client", Double.NaN);
        double ratio = pairedMedian(key, c / b);
        rows.add(new Row(metric, fmt(b, "%,.0f"), fmt(c, "%,.0f"), ratioCell(key, c / b),
                Double.isNaN(target) ? "(info)" : String.format(Locale.ROOT, "≥ %.2f×", target),
                Double.isNaN(target) ? "info" : verdict(ratio >= target, ratio)));
    }

    /** The median of the paired per-round ratios of {@code scenario}, or {@code otherwise} without pairs. */
    private double pairedMedian(String scenario, double otherwise) {
        double[] r = pairedRatios.get(scenario);
        return r == null ? otherwise : quantile(r, 0.5);
    }

    /** "ratio of medians; median of paired ratios (quartiles)": the verdict goes by the paired median. */
    private String ratioCell(String scenario, double ratioOfMedians) {
        double[] r = pairedRatios.get(scenario);
        if (r == null) {
            return fmt(ratioOfMedians, "%.2f×");
        }
        return String.format(Locale.ROOT, "%.2f×; paired **%.2f×** (%.2f–%.2f)", ratioOfMedians, quantile(r, 0.5),
                quantile(r, 0.25), quantile(r, 0.75));
    }

    private static double quantile(double[] sorted, double q) {
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at);
        int hi = (int) Math.ceil(at);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }

    private static String verdict(boolean pass, double value) {
        return Double.isNaN(value) ? "n/a" : pass ? "PASS" : "FAIL";
    }

    private static String fmt(Double value, String format) {
        return value == null || value.isNaN() || value.isInfinite() ? "n/a" : String.format(Locale.ROOT, format, value);
    }

    private String table(Duration took) {
        StringBuilder s = new StringBuilder();
        s.append("| metric | baseline | client | ratio (client/baseline) | target | result |\n");
        s.append("| --- | ---: | ---: | ---: | --- | --- |\n");
        for (Row row : rows) {
            s.append("| ").append(String.join(" | ", row.metric(), row.baseline(), row.client(), row.ratio(),
                    row.target(), row.result())).append(" |\n");
        }
        s.append('\n');
        s.append(String.format(Locale.ROOT, "Medians of %d measured rounds after %d warm-up rounds, client and baseline "
                        + "alternating in one JVM; floods of item/agentMessage/delta notifications of ~%d bytes; %,d "
                        + "sequential and %,d pipelined requests per round; client notificationBufferSize %,d for the "
                        + "throughput runs. Ratio column: the ratio of the two medians; then the median of the per-round "
                        + "ratios of back-to-back client and baseline rounds, with its quartiles, which the verdict uses "
                        + "(the VM's speed drifts from round to round, and a pair of rounds shares its moment).%n",
                rounds, warmup, BenchServer.notificationLines()[0].length, seq, pipelined, buffer));
        s.append(String.format(Locale.ROOT, "Java %s (%s), %d CPUs, max heap %d MiB, GC %s; took %d s.%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / MIB,
                String.join("+", ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList()),
                took.toSeconds()));
        notes.forEach(note -> s.append(note).append('\n'));
        return s.toString();
    }
}

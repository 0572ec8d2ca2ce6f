package dev.codex4j.appserver.bench;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.PooledThread;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import dev.codex4j.appserver.rpc.VersionCheck;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The pool benchmarks of issue 17 (a reduced matrix): C concurrent turns of D deltas each, over one
 * {@link AppServerClient} (the baseline) and over an {@link AppServerPool} of 1, 2 and 4 members, each member
 * an in-process fake app-server ({@link TurnBenchTransport}) with its own server thread. Every configuration
 * runs {@code warmup} rounds, then {@code rounds} measured ones (see {@link #measure}), and reports the median round: deltas per second
 * and process CPU per delta (which includes the fakes' own work, the same for every configuration). Then the
 * heap one idle {@link PooledThread} handle keeps (with its {@code CodexThread} and the pool's affinity entry).
 *
 * <p>Options ({@code --name=value}): {@code deltas} (1000), {@code concurrency} (1,10,100), {@code members}
 * (1,2,4), {@code warmup} (2), {@code rounds} (5), {@code handles} (20000), {@code out}
 * (target/bench/pool-results.md). Run with {@code scripts/bench.sh --pool}.
 */
public final class PoolBenchmarks {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int MIN_TURNS_PER_ROUND = 100;

    private final int deltas;
    private final List<Integer> concurrency;
    private final List<Integer> memberCounts;
    private final int warmup;
    private final int rounds;
    private final int handles;
    private final Path out;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** One measured configuration: median round time and process CPU, in nanoseconds. */
    private record Row(String setup, int concurrent, long nanos, long cpuNanos, long deltasPerRound) {
        double deltasPerSecond() {
            return deltasPerRound * 1e9 / nanos;
        }

        double cpuPerDelta() {
            return (double) cpuNanos / deltasPerRound;
        }
    }

    private PoolBenchmarks(Map<String, String> options) {
        this.deltas = Integer.parseInt(options.getOrDefault("deltas", "1000"));
        this.concurrency = ints(options.getOrDefault("concurrency", "1,10,100"));
        this.memberCounts = ints(options.getOrDefault("members", "1,2,4"));
        this.warmup = Integer.parseInt(options.getOrDefault("warmup", "2"));
        this.rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
        this.handles = Integer.parseInt(options.getOrDefault("handles", "20000"));
        this.out = Path.of(options.getOrDefault("out", "target/bench/pool-results.md"));
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(Integer::parseInt).collect(Collectors.toList());
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Arrays.stream(args).filter(a -> a.startsWith("--") && a.contains("="))
                .collect(Collectors.toMap(a -> a.substring(2, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1)));
        new PoolBenchmarks(options).run();
        System.exit(0);
    }

    private AppServerClientBuilder member() {
        return AppServerClient.builder().transport(() -> new TurnBenchTransport(deltas))
                .versionCheck(VersionCheck.SKIP).requestTimeout(WAIT).notificationBufferSize(1 << 20);
    }

    private void run() throws Exception {
        single(10); // warms the JIT for both paths before anything is measured
        pooled(2, 10);
        List<Row> rows = new ArrayList<>();
        for (int c : concurrency) {
            rows.add(single(c));
            for (int m : memberCounts) {
                rows.add(pooled(m, c));
            }
        }
        double handleBytes = heapPerIdleHandle();
        String table = table(rows, handleBytes);
        System.out.println(table);
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    /** The baseline: one client, C threads, one turn each per round. */
    private Row single(int concurrent) {
        try (AppServerClient client = member().build()) {
            client.start().block(WAIT);
            CodexThreads threads = CodexThreads.of(client);
            List<CodexThread> started = Flux.range(0, concurrent)
                    .flatMap(i -> threads.start(ThreadOptions.defaults())).collectList().block(WAIT);
            return measure("1 client", concurrent, started, t -> t.run("go"));
        }
    }

    private Row pooled(int members, int concurrent) {
        AppServerPool.Builder builder = AppServerPool.builder().maxTurnsPerMember(Math.max(16, concurrent));
        for (int i = 0; i < members; i++) {
            builder.member("m" + i, member());
        }
        try (AppServerPool pool = builder.build()) {
            pool.start().block(WAIT);
            List<PooledThread> started = Flux.range(0, concurrent)
                    .flatMap(i -> pool.startThread(ThreadOptions.defaults())).collectList().block(WAIT);
            return measure("pool of " + members, concurrent, started, t -> t.run("go"));
        }
    }

    /**
     * Rounds of turns: each of the C threads runs {@code ceil(100 / C)} turns one after another, all threads at
     * once, so that every round streams at least 100 turns (a round long enough for the CPU clock's granularity).
     */
    private <T> Row measure(String setup, int concurrent, List<T> threads, Function<T, Mono<TurnResult>> turn) {
        int turnsEach = (MIN_TURNS_PER_ROUND + concurrent - 1) / concurrent;
        List<long[]> measured = new ArrayList<>();
        for (int round = 0; round < warmup + rounds; round++) {
            long cpu = os.getProcessCpuTime();
            long start = System.nanoTime();
            List<TurnResult> results = Flux.fromIterable(threads)
                    .flatMap(t -> Flux.range(0, turnsEach).concatMap(i -> turn.apply(t)), threads.size())
                    .collectList().block(WAIT);
            long took = System.nanoTime() - start;
            long cpuTook = os.getProcessCpuTime() - cpu;
            if (results.size() != threads.size() * turnsEach || !results.stream().allMatch(TurnResult::isCompleted)) {
                throw new IllegalStateException(setup + ": not every turn completed");
            }
            if (round >= warmup) {
                measured.add(new long[] {took, cpuTook});
            }
        }
        measured.sort((a, b) -> Long.compare(a[0], b[0]));
        long[] median = measured.get(measured.size() / 2);
        Row row = new Row(setup, concurrent, median[0], median[1], (long) concurrent * turnsEach * deltas);
        System.err.printf(Locale.ROOT, "%-12s %4d concurrent: %,.0f deltas/s, %,.0f ns CPU/delta%n", setup, concurrent,
                row.deltasPerSecond(), row.cpuPerDelta());
        return row;
    }

    /** Heap retained per idle pooled thread handle: started, kept, no turn running. */
    private double heapPerIdleHandle() {
        try (AppServerPool pool = AppServerPool.builder().member("m0", member()).build()) {
            pool.start().block(WAIT);
            pool.startThread(ThreadOptions.defaults()).block(WAIT); // warm
            long before = usedHeapAfterGc();
            List<PooledThread> kept = Flux.range(0, handles).concatMap(i -> pool.startThread(ThreadOptions.defaults()))
                    .collectList().block(WAIT);
            long after = usedHeapAfterGc();
            if (kept.size() != handles) {
                throw new IllegalStateException("started " + kept.size());
            }
            return (double) (after - before) / handles;
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private String table(List<Row> rows, double handleBytes) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Turns of %d deltas, at least %d turns per round (C threads, each its turns in a row); median of %d "
                + "rounds after %d warm-up; fakes in process, one server thread per member.%n%n",
                deltas, MIN_TURNS_PER_ROUND, rounds, warmup));
        md.append("| concurrent turns | setup | deltas/s | CPU ns/delta | vs 1 client (time) |\n");
        md.append("| ---: | --- | ---: | ---: | ---: |\n");
        for (int c : concurrency) {
            Row base = rows.stream().filter(r -> r.concurrent == c && r.setup.equals("1 client")).findFirst()
                    .orElseThrow();
            for (Row r : rows.stream().filter(r -> r.concurrent == c).collect(Collectors.toList())) {
                md.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %,.0f | %.2f |%n", c, r.setup,
                        r.deltasPerSecond(), r.cpuPerDelta(), (double) r.nanos / base.nanos));
            }
        }
        md.append(String.format(Locale.ROOT, "%nHeap per idle pooled thread handle (%,d kept, with its CodexThread and the "
                + "client's per-thread state): %,.0f bytes%n", handles, handleBytes));
        return md.toString();
    }
}

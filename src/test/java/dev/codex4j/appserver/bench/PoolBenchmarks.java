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
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The pool benchmarks of issue 17. The matrix: C concurrent turns of D deltas each, over one
 * {@link AppServerClient} (the baseline) and over an {@link AppServerPool} of 1, 2 and 4 members, each member
 * an in-process fake app-server ({@link TurnBenchTransport}) with its own server thread. Every configuration
 * runs {@code warmup} rounds, then {@code rounds} measured ones (see {@link #measure}), and reports the median
 * round: deltas per second and process CPU per delta (which includes the fakes' own work, the same for every
 * configuration). Then the heap one idle {@link PooledThread} handle keeps (with its {@code CodexThread} and the
 * pool's affinity entry), and {@link PoolTurnCosts}: heap per running turn, the pool's added latency to a
 * turn's first event, and its CPU per delta against one client in paired rounds.
 *
 * <p>Options ({@code --name=value}): {@code only} (matrix,handles,running,latency,cpu: the sections to run),
 * {@code deltas} (1000), {@code concurrency} (1,10,100,1000), {@code deltasAt} (1000:100: fewer deltas per
 * turn at the given concurrency, to keep its rounds short), {@code members} (1,2,4), {@code warmup} (2),
 * {@code rounds} (5), {@code handles} (20000), {@code runningTurns} (1000), {@code runningDeltas} (0,100),
 * {@code latencyRounds} (20), {@code latencyTurns} (200), {@code cpuConcurrency} (1,10), {@code cpuRounds} (30),
 * {@code cpuTurns} (200), {@code out} (target/bench/pool-results.md). Run with {@code scripts/bench.sh --pool}.
 */
public final class PoolBenchmarks {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final int MIN_TURNS_PER_ROUND = 100;

    private final Set<String> sections;
    private final int deltas;
    private final Map<Integer, Integer> deltasAt;
    private final List<Integer> concurrency;
    private final List<Integer> memberCounts;
    private final int warmup;
    private final int rounds;
    private final int handles;
    private final int runningTurns;
    private final List<Integer> runningDeltas;
    private final int latencyRounds;
    private final int latencyTurns;
    private final List<Integer> cpuConcurrency;
    private final int cpuRounds;
    private final int cpuTurns;
    private final Path out;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** One measured configuration: median round time and process CPU, in nanoseconds. */
    private record Row(String setup, int concurrent, int deltas, long nanos, long cpuNanos, long deltasPerRound) {
        double deltasPerSecond() {
            return deltasPerRound * 1e9 / nanos;
        }

        double cpuPerDelta() {
            return (double) cpuNanos / deltasPerRound;
        }
    }

    private PoolBenchmarks(Map<String, String> options) {
        this.sections = Set.of(options.getOrDefault("only", "matrix,handles,running,latency,cpu").split(","));
        this.deltas = Integer.parseInt(options.getOrDefault("deltas", "1000"));
        this.deltasAt = Arrays.stream(options.getOrDefault("deltasAt", "1000:100").split(",")).filter(s -> !s.isBlank())
                .collect(Collectors.toMap(s -> Integer.parseInt(s.substring(0, s.indexOf(':'))),
                        s -> Integer.parseInt(s.substring(s.indexOf(':') + 1))));
        this.concurrency = ints(options.getOrDefault("concurrency", "1,10,100,1000"));
        this.memberCounts = ints(options.getOrDefault("members", "1,2,4"));
        this.warmup = Integer.parseInt(options.getOrDefault("warmup", "2"));
        this.rounds = Integer.parseInt(options.getOrDefault("rounds", "5"));
        this.handles = Integer.parseInt(options.getOrDefault("handles", "20000"));
        this.runningTurns = Integer.parseInt(options.getOrDefault("runningTurns", "1000"));
        this.runningDeltas = ints(options.getOrDefault("runningDeltas", "0,100"));
        this.latencyRounds = Integer.parseInt(options.getOrDefault("latencyRounds", "20"));
        this.latencyTurns = Integer.parseInt(options.getOrDefault("latencyTurns", "200"));
        this.cpuConcurrency = ints(options.getOrDefault("cpuConcurrency", "1,10"));
        this.cpuRounds = Integer.parseInt(options.getOrDefault("cpuRounds", "30"));
        this.cpuTurns = Integer.parseInt(options.getOrDefault("cpuTurns", "200"));
        this.out = Path.of(options.getOrDefault("out", "target/bench/pool-results.md"));
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(Integer::parseInt).collect(Collectors.toList());
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Arrays.stream(args).filter(a -> a.startsWith("--") && a.contains("="))
                .collect(Collectors.toMap(a -> a.substring(2, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1)));
        System.out.println(report(options));
        System.exit(0);
    }

    /** Runs the sections {@code options} ask for, writes the Markdown report to {@code out} and returns it. */
    static String report(Map<String, String> options) throws Exception {
        PoolBenchmarks bench = new PoolBenchmarks(options);
        String report = bench.run();
        Files.createDirectories(bench.out.toAbsolutePath().getParent());
        Files.writeString(bench.out, report);
        return report;
    }

    private static AppServerClientBuilder member(int deltas) {
        return AppServerClient.builder().transport(() -> new TurnBenchTransport(deltas))
                .versionCheck(VersionCheck.SKIP).requestTimeout(WAIT).notificationBufferSize(1 << 20);
    }

    private int deltasAt(int concurrent) {
        return deltasAt.getOrDefault(concurrent, deltas);
    }

    private String run() throws Exception {
        single(10); // warms the JIT for both paths before anything is measured
        pooled(2, 10);
        StringBuilder md = new StringBuilder();
        if (sections.contains("matrix")) {
            List<Row> rows = new ArrayList<>();
            for (int c : concurrency) {
                rows.add(single(c));
                for (int m : memberCounts) {
                    rows.add(pooled(m, c));
                }
            }
            md.append(table(rows)).append('\n');
        }
        if (sections.contains("handles")) {
            md.append(String.format(Locale.ROOT, "Heap per idle pooled thread handle (%,d kept, with its CodexThread and "
                    + "the client's per-thread state): %,.0f bytes%n%n", handles, heapPerIdleHandle()));
        }
        PoolTurnCosts costs = new PoolTurnCosts(PoolBenchmarks::member, warmup);
        if (sections.contains("running")) {
            for (int d : runningDeltas) {
                md.append(String.format(Locale.ROOT, "Heap per running pooled turn (%,d running on one member, each "
                        + "after `turn/started` and %d deltas): %,.0f bytes%n", runningTurns, d,
                        costs.heapPerRunningTurn(runningTurns, d)));
            }
            md.append('\n');
        }
        if (sections.contains("latency")) {
            md.append(costs.firstEventLatency(latencyRounds, latencyTurns, 10)).append('\n');
        }
        if (sections.contains("cpu")) {
            md.append(costs.cpuPerDelta(cpuConcurrency, cpuRounds, cpuTurns, deltas));
        }
        return md.toString();
    }

    /** The baseline: one client, C threads, one turn each per round. */
    private Row single(int concurrent) {
        try (AppServerClient client = member(deltasAt(concurrent)).build()) {
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
            builder.member("m" + i, member(deltasAt(concurrent)));
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
        int d = deltasAt(concurrent);
        Row row = new Row(setup, concurrent, d, median[0], median[1], (long) concurrent * turnsEach * d);
        System.err.printf(Locale.ROOT, "%-12s %4d concurrent: %,.0f deltas/s, %,.0f ns CPU/delta%n", setup, concurrent,
                row.deltasPerSecond(), row.cpuPerDelta());
        return row;
    }

    /** Heap retained per idle pooled thread handle: started, kept, no turn running. */
    private double heapPerIdleHandle() {
        try (AppServerPool pool = AppServerPool.builder().member("m0", member(deltas)).build()) {
            pool.start().block(WAIT);
            pool.startThread(ThreadOptions.defaults()).block(WAIT); // warm
            long before = JvmProbes.heapUsedAfterGc();
            List<PooledThread> kept = Flux.range(0, handles).concatMap(i -> pool.startThread(ThreadOptions.defaults()))
                    .collectList().block(WAIT);
            long after = JvmProbes.heapUsedAfterGc();
            if (kept.size() != handles) {
                throw new IllegalStateException("started " + kept.size());
            }
            return (double) (after - before) / handles;
        }
    }

    private String table(List<Row> rows) {
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Turns of %d deltas (%s), at least %d turns per round (C threads, each "
                + "its turns in a row); median of %d rounds after %d warm-up; fakes in process, one server thread per "
                + "member.%n%n", deltas, deltasAt.isEmpty() ? "at every concurrency" : "except " + deltasAt.entrySet()
                .stream().map(e -> e.getValue() + " at " + e.getKey()).collect(Collectors.joining(", ")),
                MIN_TURNS_PER_ROUND, rounds, warmup));
        md.append("| concurrent turns | deltas/turn | setup | deltas/s | CPU ns/delta | vs 1 client (time) |\n");
        md.append("| ---: | ---: | --- | ---: | ---: | ---: |\n");
        for (int c : concurrency) {
            Row base = rows.stream().filter(r -> r.concurrent == c && r.setup.equals("1 client")).findFirst()
                    .orElseThrow();
            for (Row r : rows.stream().filter(r -> r.concurrent == c).collect(Collectors.toList())) {
                md.append(String.format(Locale.ROOT, "| %d | %d | %s | %,.0f | %,.0f | %.2f |%n", c, r.deltas, r.setup,
                        r.deltasPerSecond(), r.cpuPerDelta(), (double) r.nanos / base.nanos));
            }
        }
        return md.toString();
    }
}

package dev.codex4j.appserver.bench;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.PooledThread;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnResult;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The costs of a pooled turn that {@link PoolBenchmarks}' throughput matrix does not show, each against one
 * {@link AppServerClient} on the same fake ({@link TurnBenchTransport}): the pool's added latency to a turn's
 * first event and its CPU per delta, both in paired rounds ({@link PairedRounds}: pool of 1, then 1 client,
 * alternating, each pair's ratio taken back to back), and the heap each running turn keeps. Each method returns
 * its Markdown section.
 */
final class PoolTurnCosts {

    private static final Duration WAIT = Duration.ofMinutes(2);

    /** A member's builder, given the fake's deltas per turn. */
    private final IntFunction<AppServerClientBuilder> member;
    private final int warmup;

    PoolTurnCosts(IntFunction<AppServerClientBuilder> member, int warmup) {
        this.member = member;
        this.warmup = warmup;
    }

    /** A client and a pool of one member, each on its own fake, both started; closed together. */
    private final class Pair implements AutoCloseable {
        final AppServerClient client;
        final AppServerPool pool;

        Pair(int deltas, int maxTurns) {
            client = member.apply(deltas).build();
            pool = AppServerPool.builder().maxTurnsPerMember(maxTurns).member("m0", member.apply(deltas)).build();
            client.start().block(WAIT);
            pool.start().block(WAIT);
        }

        List<CodexThread> clientThreads(int n) {
            CodexThreads threads = CodexThreads.of(client);
            return Flux.range(0, n).concatMap(i -> threads.start(ThreadOptions.defaults())).collectList().block(WAIT);
        }

        List<PooledThread> poolThreads(int n) {
            return Flux.range(0, n).concatMap(i -> pool.startThread(ThreadOptions.defaults())).collectList().block(WAIT);
        }

        @Override
        public void close() {
            try (client) {
                pool.close();
            }
        }
    }

    // --- the pool's added latency to a turn's first event ------------------------------------------

    /**
     * Rounds of {@code turns} turns one after another on one thread: the time from the call that starts the
     * turn ({@code PooledThread.turn} or {@code CodexThread.turn}) to the caller's {@code onNext} of its first
     * event ({@code turn/started}); each turn is awaited to its end before the next. Per round its p50 and mean.
     */
    String firstEventLatency(int rounds, int turns, int deltas) throws Exception {
        try (Pair pair = new Pair(deltas, 16)) {
            PooledThread pooled = pair.poolThreads(1).get(0);
            CodexThread direct = pair.clientThreads(1).get(0);
            PairedRounds paired = new PairedRounds(warmup, rounds, true, true);
            String name = "first-event";
            Map<String, double[]> medians = paired.alternate(name,
                    r -> firstEvents(turns, () -> pooled.turn("go")),
                    r -> firstEvents(turns, () -> Mono.fromSupplier(() -> direct.turn("go"))));
            double[] ratios = paired.pairedRatios().get(name);
            return String.format(Locale.ROOT, "Time to a turn's first event (`turn/started`), from the call that starts "
                    + "the turn to the caller's `onNext`; %d turns one after another per round, %d paired rounds "
                    + "after %d warm-up, turns of %d deltas:%n%n"
                    + "| setup | p50 µs | mean µs |%n| --- | ---: | ---: |%n"
                    + "| 1 client | %.1f | %.1f |%n| pool of 1 | %.1f | %.1f |%n%n"
                    + "Pool of 1 / 1 client, paired median ratio of the rounds' p50: **%.3f** (pairs from %.3f to %.3f); "
                    + "of the means: %.3f.%n",
                    turns, rounds, warmup, deltas, medians.get("value")[0], medians.get("mean")[0],
                    medians.get("value")[1], medians.get("mean")[1], median(ratios), ratios[0],
                    ratios[ratios.length - 1], medians.get("mean")[1] / medians.get("mean")[0]);
        }
    }

    private static PairedRounds.Sample firstEvents(int turns, Supplier<Mono<TurnHandle>> start) {
        long[] nanos = new long[turns];
        for (int i = 0; i < turns; i++) {
            long[] first = {0};
            long begin = System.nanoTime();
            TurnHandle turn = start.get()
                    .flatMap(t -> t.events().next().doOnNext(e -> first[0] = System.nanoTime()).thenReturn(t))
                    .block(WAIT);
            nanos[i] = first[0] - begin;
            if (first[0] == 0 || !turn.result().block(WAIT).isCompleted()) {
                throw new IllegalStateException("first-event: a turn had no event or did not complete");
            }
        }
        Arrays.sort(nanos);
        double mean = Arrays.stream(nanos).average().orElseThrow() / 1e3;
        return new PairedRounds.Sample(nanos[turns / 2] / 1e3, Map.of("mean", mean));
    }

    // --- the pool's CPU per delta ----------------------------------------------------------------

    /**
     * For each concurrency C, rounds of at least {@code turnsPerRound} turns (C threads, each
     * {@code ceil(turnsPerRound / C)} turns in a row, all at once) of {@code deltas} deltas: CPU per delta
     * summed over the JVM's threads (thread CPU time from the ThreadMXBean, so without the GC's and the JIT's
     * threads), paired pool of 1 against 1 client. Also wall time and process CPU per delta.
     */
    String cpuPerDelta(List<Integer> concurrency, int rounds, int turnsPerRound, int deltas) throws Exception {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "CPU per delta, pool of 1 against 1 client "
                + "(paired rounds, %d after %d warm-up, each at least %d turns of %d deltas; thread CPU: the sum over "
                + "the JVM's live threads of their CPU time during the round, which leaves out GC and JIT threads):"
                + "%n%n| concurrent turns | 1 client thread CPU ns/delta | pool of 1 | paired median ratio (range) "
                + "| wall ratio | process CPU ratio |%n| ---: | ---: | ---: | ---: | ---: | ---: |%n",
                rounds, warmup, turnsPerRound, deltas));
        for (int c : concurrency) {
            try (Pair pair = new Pair(deltas, Math.max(16, c))) {
                List<PooledThread> pooled = pair.poolThreads(c);
                List<CodexThread> direct = pair.clientThreads(c);
                int turnsEach = (turnsPerRound + c - 1) / c;
                long deltasPerRound = (long) c * turnsEach * deltas;
                PairedRounds paired = new PairedRounds(warmup, rounds, true, true);
                String name = "cpu/delta C=" + c;
                Map<String, double[]> m = paired.alternate(name,
                        r -> cpuRound(pooled, PooledThread::run, turnsEach, deltasPerRound),
                        r -> cpuRound(direct, CodexThread::run, turnsEach, deltasPerRound));
                double[] ratios = paired.pairedRatios().get(name);
                md.append(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | **%.3f** (%.3f–%.3f) | %.3f | %.3f |%n", c,
                        m.get("value")[0], m.get("value")[1], median(ratios), ratios[0], ratios[ratios.length - 1],
                        m.get("wall")[1] / m.get("wall")[0], m.get("process")[1] / m.get("process")[0]));
            }
        }
        return md.toString();
    }

    private static <T> PairedRounds.Sample cpuRound(List<T> threads, BiFunction<T, String, Mono<TurnResult>> run,
            int turnsEach, long deltasPerRound) {
        Map<Long, Long> threadCpu = JvmProbes.threadCpuNanos();
        long process = JvmProbes.processCpuNanos();
        long begin = System.nanoTime();
        List<TurnResult> results = Flux.fromIterable(threads)
                .flatMap(t -> Flux.range(0, turnsEach).concatMap(i -> run.apply(t, "go")), threads.size())
                .collectList().block(WAIT);
        long wall = System.nanoTime() - begin;
        long processTook = JvmProbes.processCpuNanos() - process;
        long threadTook = JvmProbes.threadCpuSince(threadCpu);
        if (results.size() != threads.size() * turnsEach || !results.stream().allMatch(TurnResult::isCompleted)) {
            throw new IllegalStateException("cpu/delta: not every turn completed");
        }
        return new PairedRounds.Sample((double) threadTook / deltasPerRound, Map.of(
                "wall", (double) wall / deltasPerRound, "process", (double) processTook / deltasPerRound));
    }

    // --- heap per running turn -------------------------------------------------------------------

    /**
     * Heap retained per running pooled turn: {@code n} threads started on a pool of one member whose fake holds
     * every turn after {@code deltas} deltas; used heap after GC with the n threads idle, then with a turn
     * running on each (the caller has seen its {@code turn/started} and deltas), divided by n. Then the turns
     * are finished and must complete.
     */
    double heapPerRunningTurn(int n, int deltas) {
        List<TurnBenchTransport> fakes = new CopyOnWriteArrayList<>();
        AppServerClientBuilder holding = member.apply(deltas).transport(() -> {
            TurnBenchTransport fake = TurnBenchTransport.holding(deltas);
            fakes.add(fake);
            return fake;
        });
        try (AppServerPool pool = AppServerPool.builder().maxTurnsPerMember(n + 1).member("m0", holding).build()) {
            pool.start().block(WAIT);
            List<PooledThread> threads = Flux.range(0, n).concatMap(i -> pool.startThread(ThreadOptions.defaults()))
                    .collectList().block(WAIT);
            Function<List<PooledThread>, List<TurnHandle>> startAll = list -> Flux.fromIterable(list)
                    .flatMap(t -> t.turn("go").flatMap(h -> h.events().take(1L + deltas).then(Mono.just(h))), 64)
                    .collectList().block(WAIT);
            // warm: one turn through every step, so that the measurement keeps no first-use state
            PooledThread warm = pool.startThread(ThreadOptions.defaults()).block(WAIT);
            List<TurnHandle> warmTurn = startAll.apply(List.of(warm));
            fakes.forEach(TurnBenchTransport::finishHeld);
            awaitCompleted(warmTurn);
            long before = JvmProbes.heapUsedAfterGc();
            List<TurnHandle> running = startAll.apply(threads);
            long after = JvmProbes.heapUsedAfterGc();
            if (running.stream().anyMatch(TurnHandle::hasEnded)) {
                throw new IllegalStateException("running turns: a turn ended before its heap was measured");
            }
            fakes.forEach(TurnBenchTransport::finishHeld);
            awaitCompleted(running);
            if (running.size() != n) {
                throw new IllegalStateException("running turns: " + running.size());
            }
            return (double) (after - before) / n;
        }
    }

    private static void awaitCompleted(List<TurnHandle> turns) {
        List<TurnResult> results = Flux.fromIterable(turns).flatMap(TurnHandle::result).collectList().block(WAIT);
        if (results.size() != turns.size() || !results.stream().allMatch(TurnResult::isCompleted)) {
            throw new IllegalStateException("running turns: not every held turn completed");
        }
    }

    private static double median(double[] sorted) {
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

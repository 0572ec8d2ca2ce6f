package dev.codex4j.appserver.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How {@link Benchmarks} measures a paired scenario: {@code warmup} rounds and then {@code rounds} measured
 * rounds, alternating client and baseline (A B A B ...), each round logged to stdout; the medians of the
 * measured rounds per figure, and per scenario the sorted ratios client/baseline of each pair of back-to-back
 * rounds.
 */
final class PairedRounds {

    /** A measurement of one side in one round. */
    interface Round {
        Sample run(int round) throws Exception;
    }

    /** One round's outcome: a primary value plus named extras (allocation, percentiles). */
    record Sample(double value, Map<String, Double> extra) {
        static Sample of(double value) {
            return new Sample(value, Map.of());
        }
    }

    private final int warmup;
    private final int rounds;
    private final boolean runClient;
    private final boolean runBaseline;
    /** Per scenario, the sorted ratios client/baseline of each pair of back-to-back rounds. */
    private final Map<String, double[]> pairedRatios = new HashMap<>();

    PairedRounds(int warmup, int rounds, boolean runClient, boolean runBaseline) {
        this.warmup = warmup;
        this.rounds = rounds;
        this.runClient = runClient;
        this.runBaseline = runBaseline;
    }

    /** Per scenario run so far with both sides, the sorted ratios client/baseline of each pair of rounds. */
    Map<String, double[]> pairedRatios() {
        return pairedRatios;
    }

    /**
     * Warm-up rounds, then measured rounds, alternating client and baseline; per key ({@code value} and each
     * extra), the medians {baseline, client}.
     */
    Map<String, double[]> alternate(String name, Round clientRound, Round baselineRound) throws Exception {
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

    /** One line per round: scenario, side, round ({@code w} marks a warm-up round), value and extras. */
    static void log(String name, String side, int round, boolean measured, Sample s) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-12s %-8s round %d%s %,14.1f", name, side,
                round, measured ? " " : "w", s.value()));
        s.extra().forEach((k, v) -> line.append(String.format(Locale.ROOT, "  %s=%,.1f", k, v)));
        System.out.println(line);
    }
}

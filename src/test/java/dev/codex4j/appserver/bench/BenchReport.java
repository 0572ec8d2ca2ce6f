package dev.codex4j.appserver.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Markdown report of a {@link Benchmarks} run: from the run's results (keyed {@code scenario.side}, e.g.
 * {@code typed1.client}, {@code typed1.alloc.baseline}) and the paired per-round ratios of each scenario, the
 * table of metrics with their targets and verdicts, followed by the method, the machine and the run's notes.
 */
final class BenchReport {

    static final long MIB = 1024 * 1024;
    /** The floods over stdio, against the pipe's ceiling. */
    private static final List<String> FLOODS = List.of("typed1", "typed8", "raw1", "rawparams1");
    /** The floods with per-notification cost rows: those over stdio and those over WebSocket. */
    private static final List<String> COSTED_FLOODS = List.of("typed1", "typed8", "raw1", "rawparams1", "ws-typed1",
            "ws-raw1");

    /** The sizes of a run, as the table's metrics and its closing text name them. */
    record Sizes(int n, int n8, int nRaw, int nWs, int warmup, int rounds, int seq, int pipelined, int inflight, int buffer) {}

    private record Row(String metric, String baseline, String client, String ratio, String target, String result) {}

    private final Map<String, Double> results;
    private final Map<String, double[]> pairedRatios;
    private final Sizes sizes;
    private final List<Row> rows = new ArrayList<>();

    /**
     * @param results the run's figures by key
     * @param pairedRatios per scenario, the sorted ratios client/baseline of each pair of back-to-back rounds
     * @param sizes the run's sizes
     */
    BenchReport(Map<String, Double> results, Map<String, double[]> pairedRatios, Sizes sizes) {
        this.results = results;
        this.pairedRatios = pairedRatios;
        this.sizes = sizes;
    }

    /** Adds the table's rows for every scenario that has results. */
    void summaryRows() {
        if (results.containsKey("typed1.client") || results.containsKey("typed1.baseline")) {
            throughputRow("typed1", String.format(Locale.ROOT, "notifications/s, typed, 1 subscriber (N=%,d)",
                    sizes.n()), 1.5);
        }
        if (results.containsKey("typed8.client") || results.containsKey("typed8.baseline")) {
            throughputRow("typed8", String.format(Locale.ROOT, "notifications/s, typed, 8 subscribers (N=%,d)",
                    sizes.n8()), Double.NaN);
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
                    "notifications/s, raw `notifications()` reading method(), 1 subscriber (N=%,d)", sizes.nRaw()), 1.5);
        }
        if (results.containsKey("rawparams1.client") || results.containsKey("rawparams1.baseline")) {
            throughputRow("rawparams1", String.format(Locale.ROOT,
                    "notifications/s, raw `notifications()` reading params(), 1 subscriber (N=%,d)", sizes.nRaw()), 1.5);
        }
        if (results.containsKey("ws-typed1.client") || results.containsKey("ws-typed1.baseline")) {
            throughputRow("ws-typed1", String.format(Locale.ROOT,
                    "WebSocket: notifications/s, typed, 1 subscriber (N=%,d)", sizes.nWs()), 1.5);
        }
        if (results.containsKey("ws-raw1.client") || results.containsKey("ws-raw1.baseline")) {
            throughputRow("ws-raw1", String.format(Locale.ROOT,
                    "WebSocket: notifications/s, raw `notifications()` reading method(), 1 subscriber (N=%,d)",
                    sizes.nWs()), 1.5);
        }
        for (String key : COSTED_FLOODS) {
            if (results.containsKey(key + ".alloc.client") || results.containsKey(key + ".alloc.baseline")) {
                lowerIsBetterRow("bytes allocated / notification, " + key, key + ".alloc", "%,.0f", "%.2f×");
                lowerIsBetterRow("JVM CPU ns / notification, " + key, key + ".cpu", "%,.0f", "%.2f×");
                lowerIsBetterRow("context switches / 1000 notifications, " + key, key + ".cs", "%,.1f", "%.1f×");
            }
        }
        latencyRows("latency", "sequential round trip");
        requestSummary("pipelined", "requests/s, " + sizes.inflight() + " in flight from one thread");
        requestSummary("chained", "requests/s, " + sizes.inflight() + " in flight, each answer sends the next");
        latencyRows("ws-latency", "WebSocket: sequential round trip");
        requestSummary("ws-pipelined", "WebSocket: requests/s, " + sizes.inflight() + " in flight from one thread");
        if (results.containsKey("memory.ok")) {
            rows.add(new Row("stalled subscriber: heap retained after flood", "n/a",
                    fmt(results.get("memory.retainedMiB"), "%+.1f MiB"), "",
                    "< 64 MiB + overflow error", results.get("memory.ok") == 1.0 ? "PASS" : "FAIL"));
        }
        if (results.containsKey("ceiling")) {
            ceilingRows("ceiling", FLOODS, "fake server ceiling (newline-counting reader)");
        }
        if (results.containsKey("ws-ceiling")) {
            ceilingRows("ws-ceiling", List.of("ws-typed1", "ws-raw1"),
                    "WebSocket fake server ceiling (frame-counting reader)");
        }
        if (results.containsKey("ws-jdk-ceiling")) {
            double jdk = results.get("ws-jdk-ceiling");
            for (String key : List.of("ws-typed1", "ws-raw1")) {
                double b = results.getOrDefault(key + ".baseline", Double.NaN);
                double c = results.getOrDefault(key + ".client", Double.NaN);
                if (!Double.isNaN(b) || !Double.isNaN(c)) {
                    rows.add(new Row("share of the JDK WebSocket's ceiling, " + key, fmt(100 * b / jdk, "%.0f %%"),
                            fmt(100 * c / jdk, "%.0f %%"), "", "(info)", "info"));
                }
            }
            rows.add(new Row("JDK WebSocket ceiling (a listener that only counts), notifications/s", "",
                    fmt(jdk, "%,.0f"), "", "(info)", "info"));
        }
    }

    /** Mean, p50 and p99 of the round trips of scenario {@code name}; the mean's paired ratio has the target. */
    private void latencyRows(String name, String metric) {
        if (!results.containsKey(name + ".mean.client") && !results.containsKey(name + ".mean.baseline")) {
            return;
        }
        for (String key : List.of("mean", "p50", "p99")) {
            double b = results.getOrDefault(name + "." + key + ".baseline", Double.NaN);
            double c = results.getOrDefault(name + "." + key + ".client", Double.NaN);
            boolean target = key.equals("mean");
            double ratio = target ? pairedMedian(name, c / b) : c / b;
            rows.add(new Row(metric + " " + key + " (µs)", fmt(b, "%.1f"), fmt(c, "%.1f"),
                    target ? ratioCell(name, c / b) : fmt(c / b, "%.2f×"),
                    target ? "≤ 1.10×" : "(lower is better)", target ? verdict(ratio <= 1.10, ratio) : "info"));
        }
    }

    /** Each flood's share of the fake server's ceiling, and the ceiling against the fastest side. */
    private void ceilingRows(String ceilingKey, List<String> floods, String metric) {
        double ceiling = results.get(ceilingKey);
        double fastest = 0;
        for (String key : floods) {
            double b = results.getOrDefault(key + ".baseline", Double.NaN);
            double c = results.getOrDefault(key + ".client", Double.NaN);
            if (!Double.isNaN(b) || !Double.isNaN(c)) {
                rows.add(new Row("share of the pipe's ceiling, " + key, fmt(100 * b / ceiling, "%.0f %%"),
                        fmt(100 * c / ceiling, "%.0f %%"), "", "(info)", "info"));
            }
            fastest = Math.max(fastest, Math.max(Double.isNaN(b) ? 0 : b, Double.isNaN(c) ? 0 : c));
        }
        double ratio = ceiling / fastest;
        rows.add(new Row(metric + ", notifications/s", "", fmt(ceiling, "%,.0f"),
                fastest > 0 ? fmt(ratio, "%.1f× fastest") : "", "≥ 3× fastest side",
                fastest > 0 ? verdict(ratio >= 3.0, ratio) : "info"));
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

    /** The table of the rows added so far, then the method, the machine, the time the run took and the notes. */
    String table(Duration took, List<String> notes) {
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
                sizes.rounds(), sizes.warmup(), BenchServer.notificationLines()[0].length, sizes.seq(),
                sizes.pipelined(), sizes.buffer()));
        s.append(String.format(Locale.ROOT, "Java %s (%s), %d CPUs, max heap %d MiB, GC %s; took %d s.%n",
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / MIB,
                String.join("+", ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName()).toList()),
                took.toSeconds()));
        notes.forEach(note -> s.append(note).append('\n'));
        return s.toString();
    }
}

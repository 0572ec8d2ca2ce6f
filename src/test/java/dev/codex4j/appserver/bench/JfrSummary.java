package dev.codex4j.appserver.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises the {@code jdk.ExecutionSample} events of a JFR recording (as {@code scripts/bench.sh --jfr}
 * makes): samples per thread group (digits in thread names folded), and per busy group the top frames by
 * self samples and by inclusive samples (each method counted once per stack).
 *
 * <p>{@code java -cp ... dev.codex4j.appserver.bench.JfrSummary target/bench/bench.jfr [top=15]}
 */
public final class JfrSummary {

    private JfrSummary() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "target/bench/bench.jfr");
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Map<String, Integer> perThread = new TreeMap<>();
        Map<String, Map<String, Integer>> self = new HashMap<>();
        Map<String, Map<String, Integer>> inclusive = new HashMap<>();
        int total = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
            if (!event.getEventType().getName().equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            total++;
            String thread = event.getThread("sampledThread") == null ? "?"
                    : event.getThread("sampledThread").getJavaName();
            String group = thread == null ? "?" : thread.replaceAll("\\d+", "*");
            perThread.merge(group, 1, Integer::sum);
            List<RecordedFrame> frames = event.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            self.computeIfAbsent(group, g -> new HashMap<>()).merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            Map<String, Integer> inc = inclusive.computeIfAbsent(group, g -> new HashMap<>());
            for (RecordedFrame frame : frames) {
                String name = name(frame);
                if (seen.add(name)) {
                    inc.merge(name, 1, Integer::sum);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d execution samples%n%n", file, total);
        System.out.println("samples by thread:");
        int all = total;
        perThread.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
                .forEach(e -> System.out.printf(Locale.ROOT, "  %6d %5.1f%%  %s%n", e.getValue(), 100.0 * e.getValue() / all,
                        e.getKey()));
        for (Map.Entry<String, Integer> group : perThread.entrySet()) {
            if (group.getValue() < total * 0.05) {
                continue;
            }
            int samples = group.getValue();
            System.out.printf(Locale.ROOT, "%n== %s (%d samples) — top self frames%n", group.getKey(), samples);
            print(self.get(group.getKey()), samples, top);
            System.out.printf(Locale.ROOT, "-- %s — top inclusive frames%n", group.getKey());
            print(inclusive.get(group.getKey()), samples, top + 10);
        }
    }

    private static void print(Map<String, Integer> counts, int samples, int top) {
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * e.getValue() / samples, e.getKey()));
    }

    private static String name(RecordedFrame frame) {
        RecordedMethod method = frame.getMethod();
        if (method == null) {
            return "?";
        }
        String type = method.getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + method.getName() + "  (" + packageOf(type) + ")";
    }

    private static String packageOf(String type) {
        int dot = type.lastIndexOf('.');
        return dot < 0 ? "" : type.substring(0, dot);
    }
}

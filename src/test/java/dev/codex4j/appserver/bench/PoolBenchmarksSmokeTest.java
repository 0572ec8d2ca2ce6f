package dev.codex4j.appserver.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the pool benchmark harness ({@link PoolBenchmarks}, {@link PoolTurnCosts}) running: every section at
 * tiny sizes, checking that each row is there with a figure, never what the figure is.
 */
@Timeout(120)
class PoolBenchmarksSmokeTest {

    @Test
    void everySectionRunsAndReportsItsRows(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("pool.md");
        String report = PoolBenchmarks.report(Map.ofEntries(Map.entry("deltas", "20"),
                Map.entry("concurrency", "1,30"), Map.entry("deltasAt", "30:5"), Map.entry("members", "1,2"),
                Map.entry("warmup", "1"), Map.entry("rounds", "1"), Map.entry("handles", "50"),
                Map.entry("runningTurns", "30"), Map.entry("runningDeltas", "0,3"), Map.entry("latencyRounds", "2"),
                Map.entry("latencyTurns", "5"), Map.entry("cpuConcurrency", "1,3"), Map.entry("cpuRounds", "2"),
                Map.entry("cpuTurns", "6"), Map.entry("out", out.toString())));

        assertThat(Files.readString(out)).isEqualTo(report);
        for (String setup : List.of("1 client", "pool of 1", "pool of 2")) {
            assertThat(report).contains("| 1 | 20 | " + setup + " | ").contains("| 30 | 5 | " + setup + " | ");
        }
        assertThat(figure(report, "Heap per idle pooled thread handle \\(50 kept[^:]*: (-?[\\d,]+) bytes")).isNotNull();
        for (int d : new int[] {0, 3}) {
            assertThat(figure(report, "Heap per running pooled turn \\(30 running on one member, each after "
                    + "`turn/started` and " + d + " deltas\\): (-?[\\d,]+) bytes")).isNotNull();
        }
        assertThat(positive(report, "\\| 1 client \\| ([\\d.]+) \\| [\\d.]+ \\|")).isTrue();
        assertThat(positive(report, "\\| pool of 1 \\| ([\\d.]+) \\| [\\d.]+ \\|")).isTrue();
        assertThat(positive(report, "paired median ratio of the rounds' p50: \\*\\*([\\d.]+)\\*\\*")).isTrue();
        for (int c : new int[] {1, 3}) {
            assertThat(positive(report, "\\| " + c + " \\| [\\d,]+ \\| [\\d,]+ \\| \\*\\*([\\d.]+)\\*\\*")).isTrue();
        }
    }

    private static String figure(String report, String regex) {
        Matcher m = Pattern.compile(regex).matcher(report);
        return m.find() ? m.group(1) : null;
    }

    private static boolean positive(String report, String regex) {
        String figure = figure(report, regex);
        return figure != null && Double.parseDouble(figure.replace(",", "")) > 0;
    }
}

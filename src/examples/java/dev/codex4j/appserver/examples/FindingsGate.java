package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.BlockingCodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.StructuredOutputException;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnFailedException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A review as a CI gate: the agent reviews a repository and answers in a {@link Findings} record (structured
 * output: codex sends the record's JSON Schema to the model, the library decodes the answer), and the program
 * fails when a finding at or above a severity threshold exists.
 *
 * <p>Exit codes: 0 no finding at or above the threshold, 1 at least one, 2 no usable review (the turn failed,
 * or the answer did not fit the record).
 *
 * {@code scripts/run-example.sh findings-gate [--fail-on low|medium|high|critical] [<repository>]}: by default
 * it fails on {@code high} and reviews the current directory.
 */
public final class FindingsGate {

    /** Ordered: a threshold catches its own level and every one above it. */
    public enum Severity { LOW, MEDIUM, HIGH, CRITICAL }

    public record Finding(Severity severity, String file, int line, String title) {}

    public record Findings(List<Finding> findings) {}

    static final String PROMPT = "Review the code of this repository for bugs and security problems. Read the "
            + "files you need; change nothing. Report each problem as a finding: its severity, the file (a path "
            + "relative to the repository), the line, and a one-line title. No findings: an empty list.";

    private FindingsGate() {}

    public static void main(String[] args) {
        Severity threshold = Severity.HIGH;
        Path repository = Path.of(".");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--fail-on") && i + 1 < args.length) {
                threshold = Severity.valueOf(args[++i].toUpperCase(Locale.ROOT));
            } else {
                repository = Path.of(args[i]);
            }
        }
        int exitCode;
        try (ExampleCodex codex = ExampleCodex.fromEnvironment(System.out, offlineScript())) {
            exitCode = run(codex, repository.toAbsolutePath().normalize(), threshold, System.out);
        }
        System.exit(exitCode);
    }

    /** Runs the gate; returns the exit code (0 pass, 1 a finding at or above {@code threshold}, 2 no review). */
    static int run(ExampleCodex codex, Path repository, Severity threshold, PrintStream out) {
        try (AppServerClient client = codex.connect(codex.builder())) {
            BlockingCodexThread thread = CodexThreads.of(client).blocking().start(ThreadOptions.builder()
                    .cwd(repository)
                    .sandbox(SandboxMode.READ_ONLY)
                    .ephemeral(true)   // a gate keeps its verdict in the exit code, not in codex's history
                    .build());
            Findings review;
            try {
                review = thread.run(PROMPT, Findings.class);
            } catch (TurnFailedException | StructuredOutputException e) {
                out.println("no usable review: " + e.getMessage());
                return 2;
            }
            List<Finding> blocking = review.findings().stream()
                    .filter(f -> f.severity().compareTo(threshold) >= 0)
                    .toList();
            out.println(review.findings().size() + " finding(s) in " + repository + ":");
            for (Finding f : review.findings()) {
                out.println("  " + (blocking.contains(f) ? "x " : "  ") + f.severity() + " " + f.file() + ":" + f.line()
                        + " " + f.title());
            }
            if (blocking.isEmpty()) {
                out.println("gate passed: nothing at or above " + threshold);
                return 0;
            }
            out.println("gate failed: " + blocking.size() + " finding(s) at or above " + threshold);
            return 1;
        }
    }

    /** What the scripted model answers offline: one high and one low finding, as JSON fitting the schema. */
    static Reply[] offlineScript() {
        return new Reply[] {Reply.message("""
                {"findings":[
                  {"severity":"HIGH","file":"src/Login.java","line":42,"title":"password compared with =="},
                  {"severity":"LOW","file":"README.md","line":3,"title":"typo in the build command"}]}""")};
    }
}

package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.CommandExecParams;
import dev.codex4j.appserver.protocol.types.CommandExecResponse;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.protocol.types.SandboxPolicy;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.BlockingCodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Run the tests, and only when they fail, ask the agent for a fix plan: a programmable {@code codex exec} loop
 * for CI (run, check the exit code, consult the model on failure, keep the answer as an artifact).
 *
 * <ol>
 *   <li>Runs the project's test command through codex ({@code command/exec}), in codex's sandbox: the project
 *       and the temporary directories are writable (build output), the rest of the disk read-only, the network off.
 *   <li>Passed: prints so, writes nothing, exits 0.
 *   <li>Failed: sends the end of the output to the agent (read-only: it may read the project, not change it),
 *       writes its plan to {@code <project>/artifacts/fix_plan.md} and exits 1. If the agent cannot answer
 *       (service down), it says so and still exits 1: the tests failed either way.
 * </ol>
 *
 * {@code scripts/run-example.sh fix-on-failure [<project-dir> <test command...>]}; without arguments it runs
 * the tests of a small demo project with a bug.
 */
public final class FixOnFailure {

    /** How much of the failing output reaches the agent: the end, where test runners summarize failures. */
    static final int MAX_OUTPUT_CHARS = 6_000;
    static final Duration TEST_TIMEOUT = Duration.ofMinutes(20);

    private FixOnFailure() {}

    public static void main(String[] args) throws IOException {
        int exitCode;
        try (ExampleCodex codex = ExampleCodex.fromEnvironment(System.out, offlineScript())) {
            Path project;
            List<String> testCommand;
            if (args.length >= 2) {
                project = Path.of(args[0]).toAbsolutePath();
                testCommand = Arrays.asList(args).subList(1, args.length);
            } else {
                // Outside the example's temporary codex directories, so that the plan outlives the run.
                project = demoProject(Files.createTempDirectory("codex4j-fix-on-failure-demo-"));
                testCommand = List.of("sh", "test.sh");
            }
            exitCode = run(codex, project, testCommand, System.out);
        }
        System.exit(exitCode);
    }

    /** Runs the workflow; returns the exit code: 0 tests passed, 1 tests failed. */
    static int run(ExampleCodex codex, Path project, List<String> testCommand, PrintStream out) throws IOException {
        // command/exec answers when the command ends, so the request may take as long as the tests.
        try (AppServerClient client = codex.connect(codex.builder().requestTimeout(TEST_TIMEOUT.plusMinutes(1)))) {
            CodexThreads threads = CodexThreads.of(client);
            out.println("$ " + String.join(" ", testCommand) + "   (in " + project + ")");
            CommandExecResponse tests = threads.exec(CommandExecParams.builder()
                    .command(testCommand)
                    .cwd(project.toString())
                    // codex's default sandbox is read-only, and most builds write (target/, build/, /tmp).
                    .sandboxPolicy(new SandboxPolicy.WorkspaceWrite(null, null, false, List.of(project.toString())))
                    .timeoutMs(TEST_TIMEOUT.toMillis())
                    .build()).block();
            if (tests.exitCode() == 0) {
                out.println("tests passed: nothing to do");
                return 0;
            }
            String failure = tail(tests.stdout() + tests.stderr(), MAX_OUTPUT_CHARS);
            out.println("tests failed (exit code " + tests.exitCode() + "), asking the agent for a fix plan");

            BlockingCodexThread thread = threads.blocking().start(ThreadOptions.builder()
                    .cwd(project)
                    .sandbox(SandboxMode.READ_ONLY)   // a plan, not a fix: the agent reads but changes nothing
                    .build());
            TurnResult plan = thread.run("The tests of this project failed: `" + String.join(" ", testCommand)
                    + "` exited with code " + tests.exitCode() + ". The end of its output:\n```\n" + failure
                    + "\n```\nFind the likely cause (read the project's files as needed, change nothing) and write "
                    + "a short fix plan in Markdown: the cause, the files and lines to change, how to verify the fix.");
            if (!plan.isCompleted() || plan.finalResponse() == null) {
                // Automation must not crash when the service is down: report, and still fail the build.
                out.println("no fix plan: the agent's turn ended " + plan.status()
                        + (plan.error() == null ? "" : ": " + plan.error().message()));
                return 1;
            }
            Path file = Files.createDirectories(project.resolve("artifacts")).resolve("fix_plan.md");
            Files.writeString(file, "# Fix plan\n\n`" + String.join(" ", testCommand) + "` exited with code "
                    + tests.exitCode() + " at " + Instant.now() + ".\n\n" + plan.finalResponse().strip() + "\n");
            out.println("fix plan written to " + file);
            out.println(plan.finalResponse());
            return 1;
        }
    }

    /** The last {@code max} characters of {@code text}, marked as cut if they are not all of it. */
    static String tail(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        return "[... " + (text.length() - max) + " characters cut ...]\n" + text.substring(text.length() - max);
    }

    /** What the scripted model answers offline: one fix plan. */
    static Reply[] offlineScript() {
        return new Reply[] {Reply.message("""
                **Cause:** `add` in `calc.sh` subtracts (`$(($1 - $2))`), so `add 2 2` gives 0, not 4.

                **Change:** `calc.sh`, line 2: `echo $(($1 + $2))`.

                **Verify:** run `sh test.sh`; it prints `PASS add` and exits 0.""")};
    }

    /** A tiny project whose test fails: {@code sh test.sh} checks {@code add} in {@code calc.sh}, which subtracts. */
    static Path demoProject(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("calc.sh"), "add() {\n  echo $(($1 - $2))\n}\n");
        Files.writeString(dir.resolve("test.sh"), """
                . ./calc.sh
                result=$(add 2 2)
                if [ "$result" = 4 ]; then echo "PASS add"; else echo "FAIL add: expected 4 but was $result"; exit 1; fi
                """);
        return dir;
    }
}

package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.protocol.types.Turn;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.BlockingCodexThread;
import dev.codex4j.appserver.thread.BlockingCodexThreads;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batch review with forks: one base thread reads the repository once; each change under review gets a fork of
 * it (its own thread, starting with the base's history), whose review sees the repository context but none of
 * the other reviews. The base thread is left as it was: the program checks that its turns did not change.
 *
 * <p>Exit codes: 0 every change was reviewed, 1 a review failed (or the base thread changed).
 *
 * {@code scripts/run-example.sh fork-per-review [<repository> <change.diff>...]}: each change is a unified diff,
 * e.g. from {@code git diff main...feature > feature.diff}; without arguments it reviews two changes to a demo
 * repository.
 */
public final class ForkPerReview {

    static final String READ_PROMPT = "Read this repository (its README and layout first; change nothing) and sum "
            + "up, in a few lines, what a reviewer of changes to it must know. Changes for review will follow.";

    private ForkPerReview() {}

    public static void main(String[] args) throws IOException {
        int exitCode;
        try (ExampleCodex codex = ExampleCodex.fromEnvironment(System.out, offlineScript())) {
            Path repository;
            List<Path> changes = new ArrayList<>();
            if (args.length >= 2) {
                repository = Path.of(args[0]).toAbsolutePath().normalize();
                Arrays.stream(args).skip(1).map(Path::of).forEach(changes::add);
            } else {
                repository = demoRepository(codex.workspace().resolve("demo-repo"), changes);
            }
            exitCode = run(codex, repository, changes, System.out);
        }
        System.exit(exitCode);
    }

    /** Runs the workflow; returns the exit code (0 all reviewed, 1 otherwise). */
    static int run(ExampleCodex codex, Path repository, List<Path> changes, PrintStream out) throws IOException {
        try (AppServerClient client = codex.connect(codex.builder())) {
            BlockingCodexThreads threads = CodexThreads.of(client).blocking();
            BlockingCodexThread base = threads.start(ThreadOptions.builder()
                    .cwd(repository)
                    .sandbox(SandboxMode.READ_ONLY)
                    .developerInstructions("You are a code reviewer. Be specific: name files and lines.")
                    .build());
            TurnResult read = base.run(READ_PROMPT);
            if (!read.isCompleted()) {
                out.println("the base thread could not read the repository: " + read.status());
                return 1;
            }
            out.println("base thread " + base.id() + " has read " + repository + ":\n" + read.finalResponse());
            List<String> baseTurns = turnIds(base);

            int failed = 0;
            // One after another so that the output reads in order; the forks are independent threads, so they
            // could as well run concurrently (one turn per thread at a time is the only rule).
            for (Path change : changes) {
                // Stored like any thread: a review can be resumed later by its id. (codex 0.169.0 refuses an
                // ephemeral fork of a thread that has turns unless the fork excludes them.)
                BlockingCodexThread fork = threads.fork(base.id(), ThreadOptions.defaults());
                TurnResult review = fork.run("Review this change (a unified diff, not applied to the files):\n```diff\n"
                        + Files.readString(change) + "\n```\nList its problems, most important first, or say "
                        + "that you found none.");
                out.println("\n== review of " + change.getFileName() + " (fork " + fork.id() + ")");
                if (review.isCompleted()) {
                    out.println(review.finalResponse());
                } else {
                    failed++;
                    out.println("no review: the turn ended " + review.status()
                            + (review.error() == null ? "" : ": " + review.error().message()));
                }
            }

            List<String> baseTurnsAfter = turnIds(base);
            out.println("\nbase thread: " + baseTurns.size() + " turn(s) before the reviews, " + baseTurnsAfter.size()
                    + " after" + (baseTurns.equals(baseTurnsAfter) ? " (untouched)" : " (CHANGED)"));
            return failed == 0 && baseTurns.equals(baseTurnsAfter) ? 0 : 1;
        }
    }

    private static List<String> turnIds(BlockingCodexThread thread) {
        return thread.read().turns().stream().map(Turn::id).toList();
    }

    /** What the scripted model answers offline: the base thread reads the README, then one review per change. */
    static Reply[] offlineScript() {
        return new Reply[] {
                Reply.execCommand("call-read", "cat README.md"),
                Reply.message("A shell calculator: calc.sh defines add and sub; test.sh must keep passing."),
                Reply.message("sub.diff: `sub` adds instead of subtracting (calc.sh line 5)."),
                Reply.message("readme.diff: no problems found.")};
    }

    /** A small repository and two changes to it; adds the changes' files to {@code changes}. */
    static Path demoRepository(Path dir, List<Path> changes) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("README.md"), "# calc\nShell functions for arithmetic. Test: `sh test.sh`.\n");
        Files.writeString(dir.resolve("calc.sh"), "add() {\n  echo $(($1 + $2))\n}\n");
        changes.add(Files.writeString(dir.resolve("sub.diff"), """
                --- a/calc.sh
                +++ b/calc.sh
                @@ -1,3 +1,6 @@
                 add() {
                   echo $(($1 + $2))
                 }
                +sub() {
                +  echo $(($1 + $2))
                +}
                """));
        changes.add(Files.writeString(dir.resolve("readme.diff"), """
                --- a/README.md
                +++ b/README.md
                @@ -1,2 +1,3 @@
                 # calc
                 Shell functions for arithmetic. Test: `sh test.sh`.
                +Functions: add, sub.
                """));
        return dir;
    }
}

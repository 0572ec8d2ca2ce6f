package dev.codex4j.appserver.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Approvals asked at the terminal, against real codex and the scripted model: "y" runs the command, silence declines. */
@Timeout(60)
class HumanInTheLoopTest {

    /** Completes once the question has been printed, so that the test answers as a person would: after it. */
    private final CompletableFuture<Void> asked = new CompletableFuture<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(new OutputStream() {
        @Override
        public synchronized void write(int b) {
            printed.write(b);
            if (b == '\n' && printed.toString(StandardCharsets.UTF_8).contains("Allow? [y/N]")) {
                asked.complete(null);
            }
        }
    }, true, StandardCharsets.UTF_8);

    @Test
    void aYesOnTheTerminalAcceptsAndTheCommandRuns() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(HumanInTheLoop.offlineScript());
                PipedOutputStream keyboard = new PipedOutputStream();
                PipedInputStream terminal = new PipedInputStream(keyboard)) {
            // On a thread of its own: the common pool may have a single thread on a small machine, taken by others.
            CompletableFuture<Integer> exitCode = new CompletableFuture<>();
            Thread example = new Thread(() -> {
                try {
                    exitCode.complete(HumanInTheLoop.run(codex, HumanInTheLoop.DEFAULT_PROMPT, terminal,
                            Duration.ofSeconds(30), out));
                } catch (Throwable e) {
                    exitCode.completeExceptionally(e);
                }
            }, "human-in-the-loop");
            example.setDaemon(true);
            example.start();

            CompletableFuture.anyOf(asked, exitCode).get(30, TimeUnit.SECONDS);
            assertThat(asked).as("asked before the run ended: %s", printed).isDone();
            keyboard.write("y\n".getBytes(StandardCharsets.UTF_8));
            keyboard.flush();

            assertThat(exitCode.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(printed.toString(StandardCharsets.UTF_8)).containsSubsequence(
                    "codex asks to run: ", "approved.txt", "because: Writing a file needs to leave the read-only sandbox",
                    "accepted", "-> COMPLETED", "turn COMPLETED");
            assertThat(codex.workspace().resolve("approved.txt")).hasContent("approved by a person");
        }
    }

    @Test
    void noAnswerDeclinesAfterTheTimeoutAndTheCommandDoesNotRun() throws Exception {
        try (ExampleCodex codex = ExampleCodex.offline(HumanInTheLoop.offlineScript());
                PipedOutputStream keyboard = new PipedOutputStream();   // open, but nobody types
                PipedInputStream terminal = new PipedInputStream(keyboard)) {
            long start = System.nanoTime();

            int exitCode = HumanInTheLoop.run(codex, HumanInTheLoop.DEFAULT_PROMPT, terminal, Duration.ofSeconds(1), out);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(exitCode).isZero();   // a declined command does not fail the turn
            assertThat(printed.toString(StandardCharsets.UTF_8)).containsSubsequence(
                    "Allow? [y/N] (no answer within 1 s declines)", "no answer within 1 s: declined", "-> DECLINED");
            assertThat(codex.workspace().resolve("approved.txt")).doesNotExist();
            // codex told the agent that the command was not run.
            assertThat(codex.model().requests()).hasSize(2);
            assertThat(codex.model().requests().get(1).inputItems("function_call_output")).singleElement();
        }
    }

    @Test
    void anAnswerTypedTheMomentTheQuestionShowsCounts() throws Exception {
        try (PipedOutputStream keyboard = new PipedOutputStream();
                PipedInputStream terminal = new PipedInputStream(keyboard)) {
            HumanInTheLoop.Terminal person = new HumanInTheLoop.Terminal(terminal);
            // the fastest possible person: "y" is typed and read before the question's line is even finished
            PrintStream screen = new PrintStream(new OutputStream() {
                @Override
                public void write(int b) throws java.io.IOException {
                    if (b == '?') { // "Allow?"
                        keyboard.write("y\n".getBytes(StandardCharsets.UTF_8));
                        keyboard.flush();
                        while (terminal.available() > 0) {
                            Thread.onSpinWait(); // until the terminal's reader has taken the line
                        }
                    }
                }
            }, true, StandardCharsets.UTF_8);
            var request = new dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams(null, null,
                    null, "touch x", null, "/w", null, "i", null, null, null, null, null, 0, "t", "u");

            var decision = HumanInTheLoop.ask(person, request, Duration.ofSeconds(20), screen).block(Duration.ofSeconds(30));

            assertThat(decision).isEqualTo(
                    dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT);
        }
    }

    @Test
    void aClosedTerminalAnswersNothingAtOnceInsteadOfAtTheTimeout() throws Exception {
        HumanInTheLoop.Terminal person = new HumanInTheLoop.Terminal(new ByteArrayInputStream(new byte[0]));

        CompletableFuture<String> answer = person.nextLine(Duration.ofMinutes(5));

        assertThat(answer.get(10, TimeUnit.SECONDS)).isNull();
    }
}

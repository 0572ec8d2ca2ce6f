package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * Approvals asked of a person at the terminal: when codex wants to run a command outside its sandbox, the
 * program shows the command and waits for {@code y} on stdin; any other answer, or none within the timeout,
 * declines. The agent carries on either way (a declined command is reported back to it).
 *
 * {@code scripts/run-example.sh human-in-the-loop [--timeout SECONDS] [prompt...]}: default timeout 30 s; the
 * default prompt asks for a file, which under codex's read-only sandbox needs approval.
 */
public final class HumanInTheLoop {

    static final String DEFAULT_PROMPT = "Create a file named approved.txt containing 'approved by a person' in the "
            + "current directory.";

    private HumanInTheLoop() {}

    public static void main(String[] args) {
        Duration timeout = Duration.ofSeconds(30);
        if (args.length >= 2 && args[0].equals("--timeout")) {
            timeout = Duration.ofSeconds(Long.parseLong(args[1]));
            args = Arrays.copyOfRange(args, 2, args.length);
        }
        String prompt = args.length > 0 ? String.join(" ", args) : DEFAULT_PROMPT;
        int exitCode;
        try (ExampleCodex codex = ExampleCodex.fromEnvironment(System.out, offlineScript())) {
            exitCode = run(codex, prompt, System.in, timeout, System.out);
        }
        System.exit(exitCode);
    }

    /** Runs one turn whose approvals are asked on {@code terminal}; returns 0 if the turn completed, else 1. */
    static int run(ExampleCodex codex, String prompt, InputStream terminal, Duration answerTimeout, PrintStream out) {
        Terminal person = new Terminal(terminal);
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(request -> ask(person, request, answerTimeout, out))
                // The library's own limit would also decline, but silently; ours answers first, visibly.
                .handlerTimeout(answerTimeout.plusSeconds(30))
                .build();
        try (AppServerClient client = codex.connect(codex.builder().approvals(approvals))) {
            out.println("workspace: " + codex.workspace());
            out.println("> " + prompt);
            TurnResult result = CodexThreads.of(client).blocking().start(ThreadOptions.defaults()).run(prompt);
            for (ThreadItem.CommandExecution command : result.itemsOf(ThreadItem.CommandExecution.class)) {
                out.println("$ " + command.command() + " -> " + command.status());
            }
            out.println("turn " + result.status() + ": " + result.finalResponse());
            return result.isCompleted() ? 0 : 1;
        }
    }

    /** Shows the request and turns the person's answer (or their silence) into a decision. */
    static Mono<CommandExecutionApprovalDecision> ask(Terminal person,
            CommandExecutionRequestApprovalParams request, Duration timeout, PrintStream out) {
        out.println("\ncodex asks to run: " + request.command());
        out.println("  in: " + request.cwd());
        if (request.reason() != null) {
            out.println("  because: " + request.reason());
        }
        // listen before asking: an answer typed the moment the question shows must not be dropped
        CompletableFuture<String> answered = person.nextLine(timeout);
        out.println("Allow? [y/N] (no answer within " + timeout.toSeconds() + " s declines)");
        return Mono.fromFuture(answered)
                .map(answer -> {
                    boolean yes = answer.strip().toLowerCase(Locale.ROOT).matches("y|yes");
                    out.println(yes ? "accepted" : "declined");
                    return yes ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE;
                })
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    out.println("no answer within " + timeout.toSeconds() + " s: declined");
                    return CommandExecutionApprovalDecision.DECLINE;
                }));
    }

    /**
     * The person at the terminal. One daemon thread reads the lines, because a blocked read cannot be given up
     * when a question times out. A line counts only as the answer to a question that is waiting: what was
     * typed before a question (or after it timed out) never approves the next one unseen.
     */
    static final class Terminal {

        private final AtomicReference<CompletableFuture<String>> waiting = new AtomicReference<>();
        private volatile boolean closed;

        Terminal(InputStream in) {
            Thread reader = new Thread(() -> read(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))),
                    "terminal-reader");
            reader.setDaemon(true);   // a terminal nobody answers must not keep the JVM alive
            reader.start();
        }

        /** The next line typed while this question waits; {@code null} after {@code timeout} or at end of input. */
        CompletableFuture<String> nextLine(Duration timeout) {
            CompletableFuture<String> answer = new CompletableFuture<>();
            waiting.set(answer);
            if (closed) {
                answer.complete(null);
            }
            return answer.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        private void read(BufferedReader lines) {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    CompletableFuture<String> answer = waiting.getAndSet(null);
                    if (answer != null) {
                        answer.complete(line);
                    }
                }
            } catch (IOException e) {
                // a terminal that fails is one that gives no more answers
            }
            closed = true;
            CompletableFuture<String> answer = waiting.getAndSet(null);
            if (answer != null) {
                answer.complete(null);
            }
        }
    }

    /** What the scripted model answers offline: a command that needs approval, then a closing message. */
    static Reply[] offlineScript() {
        return new Reply[] {
                Reply.escalatedExecCommand("call-1", "echo 'approved by a person' > approved.txt",
                        "Writing a file needs to leave the read-only sandbox"),
                Reply.message("That is all I was asked to do.")};
    }
}

package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.TokenUsageBreakdown;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts codex through the library, runs one turn that needs one command approval (answered by the visible
 * policy below), streams the agent's text as it arrives, and prints the final result and token usage.
 *
 * <p>With {@code CODEX_API_KEY} or {@code OPENAI_API_KEY} set, it logs in with that key in a throwaway
 * {@code CODEX_HOME} and talks to the real service. Without one, it runs offline against a scripted model on
 * 127.0.0.1 that asks to run {@code git --version} outside the sandbox. Run it with
 * {@code scripts/run-example.sh ["your prompt"]}.
 */
public final class StreamOneTurn {

    static final String DEFAULT_PROMPT = "Run `git --version` (it needs approval) and tell me which git this is.";

    private StreamOneTurn() {}

    public static void main(String[] args) throws Exception {
        String prompt = args.length > 0 ? String.join(" ", args) : DEFAULT_PROMPT;
        String apiKey = firstSet(System.getenv("CODEX_API_KEY"), System.getenv("OPENAI_API_KEY"));
        run(prompt, apiKey, System.out);
    }

    /** Runs the example; {@code apiKey == null} runs it offline. */
    static TurnResult run(String prompt, String apiKey, PrintStream out) throws Exception {
        try (Offline offline = apiKey == null ? Offline.start() : null) {
            // The approval handler and the event subscriber below run on threads of their own. So that the
            // output reads in the order things happened, the handler prints once the events have announced
            // the command it is asked about (item/started comes first), and with it everything before it.
            Map<String, CompletableFuture<Void>> announced = new ConcurrentHashMap<>();
            AppServerClientBuilder builder = AppServerClient.builder()
                    .clientInfo(new ClientInfo("codex4j-example", "codex4j example", "0.1.0"))
                    .approvals(visiblePolicy(out, announced))
                    .requestTimeout(Duration.ofMinutes(2));
            if (offline != null) {
                builder.executable(offline.codex.executable())
                        .arguments(offline.codex.appServerArguments())
                        .environment(offline.codex.environment())
                        .inheritEnvironment(false)
                        .workingDirectory(offline.codex.workspace());
                out.println("(no CODEX_API_KEY/OPENAI_API_KEY: using a scripted model on " + offline.model.baseUrl() + ")");
            } else {
                Path home = Files.createTempDirectory("codex4j-example-home");
                builder.executable(RealCodex.resolveExecutable())
                        .environment(Map.of("CODEX_HOME", home.toString()))
                        .arguments(List.of("-c", "approval_policy=\"on-request\"", "-c", "sandbox_mode=\"read-only\""))
                        .workingDirectory(Files.createTempDirectory("codex4j-example-workspace"));
            }
            try (AppServerClient client = builder.build()) {
                out.println("connected: " + client.start().block().userAgent());
                if (apiKey != null) {
                    client.request("account/login/start", Map.of("type", "apiKey", "apiKey", apiKey)).block();
                }
                CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block();
                out.println("> " + prompt);

                TurnHandle turn = thread.turn(TurnInput.text(prompt));
                turn.events().subscribe(event -> {
                    if (event instanceof ServerNotification.ItemAgentMessageDelta delta) {
                        out.print(delta.params().delta());   // the agent's text, as it arrives
                        out.flush();
                    } else if (event instanceof ServerNotification.ItemStarted started
                            && started.params().item() instanceof ThreadItem.CommandExecution command) {
                        announced(announced, command.id()).complete(null);
                    } else if (event instanceof ServerNotification.ItemCompleted completed) {
                        if (completed.params().item() instanceof ThreadItem.AgentMessage) {
                            out.println();
                        } else if (completed.params().item() instanceof ThreadItem.CommandExecution command) {
                            out.println("$ " + command.command() + " -> " + command.status()
                                    + (command.aggregatedOutput() == null ? "" : ": " + command.aggregatedOutput().strip()));
                        }
                    }
                });
                TurnResult result = turn.result().block(Duration.ofMinutes(10));

                out.println("turn " + result.status() + " in " + result.duration().toMillis() + " ms");
                out.println("final answer: " + result.finalResponse());
                if (result.tokenUsage() != null) {
                    TokenUsageBreakdown total = result.tokenUsage().total();
                    out.println("tokens: " + total.inputTokens() + " in, " + total.outputTokens() + " out, "
                            + total.totalTokens() + " total");
                }
                if (result.error() != null) {
                    out.println("error: " + result.error().message());
                }
                return result;
            }
        }
    }

    /**
     * The approval policy, visible: accept read-only inspection commands, decline everything else, say which
     * (after the events have shown what came before the request, waiting a few seconds at most).
     */
    private static ApprovalDecisions visiblePolicy(PrintStream out, Map<String, CompletableFuture<Void>> announced) {
        return ApprovalDecisions.builder()
                .onCommandExecution(request -> {
                    CommandExecutionApprovalDecision decision = isInspection(request) ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE;
                    try {
                        announced(announced, request.itemId()).get(5, TimeUnit.SECONDS);
                    } catch (TimeoutException notAnnounced) {
                        // print it anyway
                    }
                    out.println("\n[approval] " + request.command() + " -> " + decision
                            + (request.reason() == null ? "" : " (asked because: " + request.reason() + ")"));
                    return decision;
                })
                .build();
    }

    private static CompletableFuture<Void> announced(Map<String, CompletableFuture<Void>> announced, String itemId) {
        return announced.computeIfAbsent(String.valueOf(itemId), id -> new CompletableFuture<>());
    }

    private static boolean isInspection(CommandExecutionRequestApprovalParams request) {
        String command = request.command() == null ? "" : request.command();
        return command.contains("git --version") || command.contains("git status") || command.contains("ls ");
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    /** The scripted model and isolated codex home used when no API key is set. */
    private record Offline(ScriptedModel model, RealCodex codex) implements AutoCloseable {

        static Offline start() {
            ScriptedModel model = ScriptedModel.start();
            model.enqueue(
                    Reply.streamedMessage("I'll ", "check ", "the git ", "version.")
                            .followedBy(Reply.escalatedExecCommand("call-1", "git --version",
                                    "Reading the git version needs to run outside the sandbox")),
                    Reply.streamedMessage("This ", "machine ", "has ", "git installed; ", "the command ",
                            "output above names ", "its version."));
            return new Offline(model, RealCodex.forModel(model));
        }

        @Override
        public void close() {
            model.close();
            codex.close();
        }
    }
}

package dev.codex4j.appserver.examples;

import dev.codex4j.appserver.thread.CodexThreads;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.CommandRules;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.approval.FileChangeRules;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.GrantedPermissionProfile;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.protocol.types.PermissionGrantScope;
import dev.codex4j.appserver.protocol.types.PermissionsRequestApprovalResponse;
import java.time.Duration;
import java.util.regex.Pattern;
import reactor.core.publisher.Mono;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.Turn;
import dev.codex4j.appserver.protocol.types.TurnStartParams;
import dev.codex4j.appserver.protocol.types.UserInput;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.thread.BlockingCodexThread;
import dev.codex4j.appserver.thread.BlockingCodexThreads;
import dev.codex4j.appserver.thread.BlockingTurnHandle;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The README's usage example, kept compiling and running by {@code ReadmeExampleTest}. */
final class ReadmeExample {

    private ReadmeExample() {}

    /** Runs one turn and returns the final agent message; {@code codexArgs} come after {@code app-server}. */
    static String firstTurn(Path codexPath, List<String> codexArgs, Path codexHome, Path workspace, String prompt) {
        // README:usage:start
        try (AppServerClient client = AppServerClient.builder()
                .executable(codexPath)                        // default: $CODEX_EXECUTABLE, else codex on PATH
                .arguments(codexArgs)                         // e.g. List.of("-c", "model=gpt-5-codex")
                .environment(Map.of("CODEX_HOME", codexHome.toString()))
                .workingDirectory(workspace)
                .clientInfo(new ClientInfo("my-service", "My Service", "1.0.0"))
                .approvals(ApprovalDecisions.builder()        // default: decline every approval
                        .commandRules(CommandRules.acceptPrefixes(List.of(List.of("git", "status"))))
                        .build())
                .build()) {
            client.notifications("item/agentMessage/delta")   // hot Flux; subscribe before start() to miss nothing
                    .subscribe(n -> System.out.print(n.params().get("delta").asText()));

            InitializeResponse init = client.start().block(); // spawn + initialize + initialized
            JsonNode thread = client.request("thread/start", Map.of()).block();
            String threadId = thread.at("/thread/id").asText();

            var turnDone = client.notifications("turn/completed")
                    .filter(n -> n.params().path("threadId").asText().equals(threadId))
                    .next().toFuture();
            client.request("turn/start", Map.of("threadId", threadId,
                    "input", List.of(Map.of("type", "text", "text", prompt)))).block();
            Notification completed = turnDone.join();
            JsonNode items = completed.params().at("/turn/items");
            // README:usage:end
            System.out.println();
            System.out.println("connected as " + init.userAgent());
            for (JsonNode item : items) {
                if (item.path("type").asText().equals("agentMessage")) {
                    return item.get("text").asText();
                }
            }
            return null;
        }
    }

    /** The README's typed example: the same turn with generated protocol types. */
    static String typedTurn(AppServerClient client, String prompt) {
        // README:typed:start
        client.start().block();
        String threadId = client.request(ClientMethods.THREAD_START,
                ThreadStartParams.builder().build()).block().thread().id();

        var done = client.typedNotifications()
                .doOnNext(n -> {
                    if (n instanceof ServerNotification.ItemAgentMessageDelta delta) {
                        System.out.print(delta.params().delta());
                    } else if (n instanceof ServerNotification.ItemCompleted completed
                            && completed.params().item() instanceof ThreadItem.CommandExecution command) {
                        System.out.println("\n$ " + command.command() + " -> " + command.status());
                    }
                })
                .ofType(ServerNotification.TurnCompleted.class)
                .filter(c -> c.params().threadId().equals(threadId))
                .next().toFuture();
        client.request(ClientMethods.TURN_START, TurnStartParams.builder()
                .threadId(threadId)
                .input(List.of(new UserInput.Text(prompt, null)))
                .build()).block();
        Turn turn = done.join().params().turn();    // status COMPLETED, FAILED or INTERRUPTED
        // README:typed:end
        return turn.items().stream().filter(i -> i instanceof ThreadItem.AgentMessage)
                .map(i -> ((ThreadItem.AgentMessage) i).text()).findFirst().orElse(null);
    }

    record TicketQuery(String ticketId) {}

    /** The README's approval policies example. */
    static ApprovalDecisions policies(Path workspace, java.util.function.Function<String, String> tickets) {
        // README:approvals:start
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                // Commands: rules first, in order; the first that decides wins.
                .commandRules(
                        CommandRules.declineOutside(workspace),                       // cwd or paths outside
                        CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.forSession(CommandRules.acceptPrefixes(List.of(  // don't ask again
                                List.of("git", "status"), List.of("git", "diff"), List.of("ls")))),
                        CommandRules.acceptPrefixes(List.of(List.of("mvn", "test"), List.of("mvn", "-q", "test")))
                                .withProposedAmendment())                             // codex's own, if no wider
                // What no rule decided: ask a person (any Mono; the handler timeout still applies).
                .onCommandExecutionAsync(params -> Mono.just(CommandExecutionApprovalDecision.DECLINE))
                // File changes: only inside the workspace.
                .fileChangeRules(FileChangeRules.acceptInside(workspace))
                // Any other server request, typed: here, grant nothing beyond the turn.
                .on(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL, params -> new PermissionsRequestApprovalResponse(
                        new GrantedPermissionProfile(null, null), PermissionGrantScope.TURN, null))
                // A Java function the model may call (experimental API: pass approvals.dynamicToolSpecs()
                // as thread/start's dynamicTools and build the client with experimentalApi(true)).
                .dynamicTool(DynamicTool.of("lookup_ticket", "Looks up a support ticket by id", TicketQuery.class,
                        query -> tickets.apply(query.ticketId())))
                .handlerTimeout(Duration.ofMinutes(2))
                .build();
        // README:approvals:end
        return approvals;
    }

    /** What the README's thread example returns, for its test. */
    record ThreadsOutcome(TurnResult result, TurnResult streamed, Summary summary) {}

    record Summary(String name, List<String> modules) {}

    /** The README's thread and turn example. */
    static ThreadsOutcome threadsAndTurns(AppServerClient client) {
        // README:threads:start
        client.start().block();
        CodexThreads threads = CodexThreads.of(client);   // the thread API builds on the client
        CodexThread thread = threads.start(ThreadOptions.builder()
                .developerInstructions("Answer in one sentence.")
                .build()).block();

        TurnResult result = thread.run("What does this repository do?").block();
        System.out.println(result.finalResponse() + " (" + result.tokenUsage().total().totalTokens() + " tokens)");

        TurnHandle turn = thread.turn("Now list its modules.");                     // streamed
        turn.textDeltas().subscribe(System.out::print);                             // the agent's text as it streams
        TurnResult streamed = turn.result().block();   // turn.interrupt(), turn.steer(input) while it runs

        // record Summary(String name, List<String> modules) {}
        Summary summary = thread.run("Summarize it.", Summary.class).block();  // structured output
        // README:threads:end
        return new ThreadsOutcome(result, streamed, summary);
    }

    /** What the README's blocking example returns, for its test. */
    record BlockingOutcome(TurnResult once, String text, boolean interrupted, TurnResult next, List<String> events) {}

    /** The README's blocking example: {@code builder} stands for {@code AppServerClient.builder()...}. */
    static BlockingOutcome blocking(Supplier<AppServerClientBuilder> builder, Path repo) {
        StringBuilder out = new StringBuilder();
        List<String> log = new ArrayList<>();
        TurnResult next;
        boolean interrupted = false;
        // README:blocking:start
        // One call: start codex, one prompt in an ephemeral thread, close codex.
        TurnResult once = BlockingCodexThreads.runOnce(builder.get().workingDirectory(repo),
                "What does this repository do?");

        try (BlockingCodexThreads codex = BlockingCodexThreads.open(builder.get().workingDirectory(repo))) {
            BlockingCodexThread thread = codex.resumeLatest(repo, ThreadOptions.defaults())   // like `codex resume --last`
                    .orElseGet(() -> codex.start(ThreadOptions.defaults()));
            BlockingTurnHandle turn = thread.turn("Fix the failing test");
            try (Stream<String> text = turn.textDeltas()) {
                text.forEach(out::append);                                              // on this thread
            }
            if (turn.result().isInterrupted()) { interrupted = true; }
            next = thread.runStreamed("Explain the fix", event -> log.add(event.method()));
        }
        // README:blocking:end
        return new BlockingOutcome(once, out.toString(), interrupted, next, log);
    }
}

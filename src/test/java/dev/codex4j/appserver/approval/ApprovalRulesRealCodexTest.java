package dev.codex4j.appserver.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import dev.codex4j.appserver.protocol.types.TurnStartParams;
import dev.codex4j.appserver.protocol.types.UserInput;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The approval rules against the real codex binary: its quoting, its amendments, its patches. */
@Timeout(120)
class ApprovalRulesRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path outside;

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        model.close();
        codex.close();
    }

    private String start(ApprovalDecisions approvals) {
        client = codex.clientBuilder().approvals(approvals).requestTimeout(WAIT).build();
        client.start().block(WAIT);
        return client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build()).block(WAIT).thread().id();
    }

    /** Runs a turn whose model replies are {@code replies}; returns its notifications up to turn/completed. */
    private List<Notification> turn(String threadId, Reply... replies) throws Exception {
        model.enqueue(replies);
        CompletableFuture<List<Notification>> events = client.notifications()
                .filter(n -> threadId.equals(n.params().path("threadId").asText()))
                .takeUntil(n -> n.method().equals("turn/completed"))
                .collectList().toFuture();
        client.request(ClientMethods.TURN_START, TurnStartParams.builder().threadId(threadId)
                .input(List.of(new UserInput.Text("go", null))).build()).block(WAIT);
        return events.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
    }

    private static List<String> itemStatuses(List<Notification> events, String type) {
        return events.stream().filter(n -> n.method().equals("item/completed")).map(n -> n.params().get("item"))
                .filter(i -> type.equals(i.path("type").asText()))
                .map(i -> i.get("id").asText() + "=" + i.get("status").asText()).toList();
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
        return output;
    }

    @Test
    void codexsQuotedCommandLineReadsBackToExactlyTheScriptItRuns() throws Exception {
        List<String> scripts = List.of("ls", "git status", "git commit -m 'fix bug'", "echo \"it's\" $HOME",
                "printf '%s\\n' \"a\\\"b\" 'c'\"'\"'d'", "ls $'x'", "echo a\necho b", "echo \"tab\there\"",
                "echo héllo ünï €", "echo '!x' \\\\ `y`", "a=1 b", "echo \"\\\\\" '\\' \\$", "echo ''", "x  y",
                "echo \"$(id)\"; ls > out 2>&1");
        List<String> commands = new CopyOnWriteArrayList<>();
        String thread = start(ApprovalDecisions.builder().onCommandExecution(p -> {
            commands.add(p.command());
            return CommandExecutionApprovalDecision.DECLINE;
        }).build());
        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < scripts.size(); i++) {
            replies.add(Reply.escalatedExecCommand("call-" + i, scripts.get(i), "quoting"));
        }
        replies.add(Reply.message("done"));
        turn(thread, replies.toArray(Reply[]::new));

        assertThat(commands).hasSameSizeAs(scripts);
        for (int i = 0; i < scripts.size(); i++) {
            // the handler ran before its reply: this list is complete once the turn completed
            assertThat(ShellSyntax.words(commands.get(i))).as(commands.get(i))
                    .contains(List.of("/bin/bash", "-lc", scripts.get(i)));
        }
    }

    @Test
    void anAllowListAcceptsAPlainAndAQuotedGitCommandAndTheyRun() throws Exception {
        Path ws = codex.workspace();
        run(ws, "git", "init", "-q");
        run(ws, "git", "config", "user.email", "t@example.com");
        run(ws, "git", "config", "user.name", "T");
        String thread = start(ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.acceptPrefixes(List.of(List.of("git", "status"), List.of("git", "commit"))))
                .build());
        List<Notification> events = turn(thread,
                Reply.escalatedExecCommand("call-status", "git status", "look"),
                Reply.escalatedExecCommand("call-commit", "git commit --allow-empty -m 'x y'", "commit"),
                Reply.escalatedExecCommand("call-push", "git ${U:-push}", "push, spelled to slip past"),
                Reply.escalatedExecCommand("call-touch", "git status; touch pwned.txt", "two commands"),
                Reply.message("done"));

        assertThat(itemStatuses(events, "commandExecution")).containsExactly("call-status=completed",
                "call-commit=completed", "call-push=declined", "call-touch=declined");
        assertThat(run(ws, "git", "log", "--format=%s")).isEqualTo("x y\n");
        assertThat(ws.resolve("pwned.txt")).doesNotExist();
    }

    @Test
    void aProposedAmendmentNoWiderThanThePrefixIsSentAndCodexStopsAsking() throws Exception {
        Path ws = codex.workspace();
        run(ws, "git", "init", "-q");
        run(ws, "git", "config", "user.email", "t@example.com");
        run(ws, "git", "config", "user.name", "T");
        List<JsonNode> proposed = new CopyOnWriteArrayList<>();
        CommandRules.PrefixRule gitCommit = CommandRules.acceptPrefixes(List.of(List.of("git", "commit")));
        String thread = start(ApprovalDecisions.builder()
                .commandRules((params, context) -> {
                    proposed.add(context.mapper().valueToTree(params.proposedExecpolicyAmendment()));
                    return java.util.Optional.empty();
                }, gitCommit.withProposedAmendment())
                .build());
        List<Notification> events = turn(thread,
                Reply.escalatedExecCommand("call-1", "git commit --allow-empty -m 'x y'", "first"),
                Reply.escalatedExecCommand("call-2", "git commit --allow-empty -m 'x y'", "same again"),
                Reply.message("done"));

        assertThat(itemStatuses(events, "commandExecution")).containsExactly("call-1=completed", "call-2=completed");
        // codex 0.169.0 proposes the command's own argv, which starts with the configured prefix
        assertThat(proposed).singleElement().hasToString("[\"git\",\"commit\",\"--allow-empty\",\"-m\",\"x y\"]");
        assertThat(run(ws, "git", "log", "--format=%s")).isEqualTo("x y\nx y\n");
    }

    @Test
    void aPatchThroughALinkLeavingTheWorkspaceIsDeclinedAndWritesNothingOutside() throws Exception {
        Path ws = codex.workspace();
        Files.createSymbolicLink(ws.resolve("link"), outside);
        Files.createDirectories(ws.resolve(".git/hooks"));
        String thread = start(ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.acceptInside(ws)).build());
        List<Notification> events = turn(thread,
                Reply.applyPatchAddFile("call-link", "link/escaped.txt", "outside"),
                Reply.applyPatchAddFile("call-hook", ".git/hooks/pre-commit", "#!/bin/sh\necho hooked"),
                Reply.applyPatchAddFile("call-inside", "inside.txt", "fine"),
                Reply.message("done"));

        assertThat(itemStatuses(events, "fileChange")).containsExactly("call-link=declined", "call-hook=declined",
                "call-inside=completed");
        try (var listing = Files.list(outside)) {
            assertThat(listing).isEmpty();
        }
        assertThat(ws.resolve(".git/hooks/pre-commit")).doesNotExist();
        assertThat(ws.resolve("inside.txt")).hasContent("fine");
    }
}

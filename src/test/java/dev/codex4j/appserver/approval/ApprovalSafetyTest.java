package dev.codex4j.appserver.approval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The attacks of {@code docs/approvals-threat-model.md}, class by class, decided where rule chains meet: by
 * {@link ApprovalDecisions#handle}, on the real request shape codex 0.169.0 sends. None may be accepted, and
 * every request gets exactly one reply, whatever rules and handlers do.
 */
@Timeout(60)
class ApprovalSafetyTest {

    private static final String COMMANDS = "command-approval-accept.jsonl";
    private static final String FILES = "file-change-approval-accept.jsonl";
    private static final String COMMAND = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
    private static final String FILE_CHANGE = ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name();
    private static final String RECORDED_WORKSPACE = "/tmp/codex4j-real-codex-348418671436771772/workspace";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path temp;

    private final TestApprovalContext context = new TestApprovalContext();

    /** The real command request with {@code script} run as codex runs it, and no parsed actions. */
    private IncomingRequest command(String script) {
        IncomingRequest request = context.fixtureRequest(COMMANDS, COMMAND);
        ObjectNode params = (ObjectNode) request.params();
        params.put("command", "/bin/bash -lc '" + script.replace("'", "'\\''") + "'");
        params.putArray("commandActions");
        params.remove("proposedExecpolicyAmendment");
        return request;
    }

    private String decide(ApprovalDecisions approvals, IncomingRequest request) {
        return decide(approvals, request, context);
    }

    private static String decide(ApprovalDecisions approvals, IncomingRequest request, TestApprovalContext context) {
        return context.resultTree(approvals.handle(request, context).block(WAIT)).get("decision").toString();
    }

    // --- deny-lists: computed words, unknown constructs --------------------------------------------------------

    static Stream<String> pushSpellings() {
        return Stream.of("git ${U:-push}", "git $\"push\"", "git {push,}", "git pus?", "git -c alias.p=push p",
                "git $'push'", "git pu[s]h", "git `echo push`", "git $(echo push)", "git \"$(echo push)\"",
                "g''it push", "\\git push", "/usr/bin/git push", "GIT push", "git -C . push", "git status; git push",
                "git status\ngit push", "git push &", "(git push)", "X=1 git push", "env git push",
                "bash -c 'git push'", "eval git push", "time git push", "git --exec-path=x push");
    }

    @ParameterizedTest
    @MethodSource("pushSpellings")
    void aDenyListBeforeABroadAllowListCannotBeTalkedIntoAPush(String script) {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.acceptPrefixes(List.of(List.of("git"))))
                .build();
        assertThat(decide(approvals, command(script))).isEqualTo("\"decline\"");
    }

    static Stream<String> rmSpellings() {
        return Stream.of("time -p rm x", "time rm x", "function f { rm x; }; f", "coproc rm x",
                "echo ${X:-$(rm x)}", "echo $((1 + $(rm x)))", "echo `echo \\`rm x\\``", "trap 'rm x' EXIT",
                "let 'x=$(rm y)'", "PS4='$(rm x)' bash -xc :", "cat <<< \"$(rm x)\"",
                "cat <<'EOF'\nit's fine\nEOF\nrm x", "cat <<EOF\n$(rm x)\nEOF", "ls # ;\nrm x",
                "f() (rm x); f", "if :; then rm x; fi", "! rm x", "{ rm x; }", "while rm x; do :; done",
                "$'\\x72m' x", "r$()m x", "xargs rm < list", "echo x | xargs -I{} sh -c 'rm {}'",
                "find . -delete -exec rm {} +", "sudo rm x", "nice rm x", "command rm x", "exec rm x",
                "busybox rm x", "python3 -c 'import shutil'", "perl -e1", "awk 1", "sed 1d", "ssh h",
                "rm" + " x".repeat(10));
    }

    @ParameterizedTest
    @MethodSource("rmSpellings")
    void aSingleWordDenyListIsNotBeatenByConstructsItDoesNotRead(String script) {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("rm"))))
                .onCommandExecution(params -> CommandExecutionApprovalDecision.ACCEPT) // everything else
                .build();
        assertThat(decide(approvals, command(script))).isEqualTo("\"decline\"");
        assertThat(context.events()).last().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.POLICY);
    }

    // --- the accept side reads the argv exactly ------------------------------------------------------------------

    @Test
    void mixedQuotingThatRunsASecondCommandIsNotAcceptedAsLs() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("ls"))))
                .build();
        for (String line : List.of("'ls $'\"'';touch /tmp/x\"'$'", "/bin/bash -lc 'ls $'\"'';touch /tmp/x\"'$'",
                "/bin/bash -lc \"ls '\"';touch /tmp/x'", "/bin/bash -lc 'ls \\';touch /tmp/x'")) {
            IncomingRequest request = command("ls");
            ((ObjectNode) request.params()).put("command", line);
            assertThat(decide(approvals, request)).as(line).isEqualTo("\"decline\"");
        }
        assertThat(decide(approvals, command("ls -la"))).isEqualTo("\"accept\"");
        assertThat(decide(approvals, command("ls 'a b' \"c d\""))).isEqualTo("\"accept\"");
    }

    // --- amendments never widen ------------------------------------------------------------------------------------

    @Test
    void aProposedAmendmentWiderThanTheConfiguredPrefixIsNotForwarded() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment())
                .build();
        IncomingRequest wide = command("npm test");
        ((ObjectNode) wide.params()).set("proposedExecpolicyAmendment", context.mapper().valueToTree(List.of("npm")));
        assertThat(decide(approvals, wide)).isEqualTo("\"accept\"");

        IncomingRequest narrow = command("npm test");
        ((ObjectNode) narrow.params()).set("proposedExecpolicyAmendment",
                context.mapper().valueToTree(List.of("npm", "test")));
        assertThat(decide(approvals, narrow))
                .isEqualTo("{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"npm\",\"test\"]}}");
    }

    // --- accepting rules see the whole request ---------------------------------------------------------------------

    static Stream<Arguments> moreThanACommand() {
        return Stream.of(
                Arguments.of("networkApprovalContext", "{\"host\":\"example.com\",\"protocol\":\"https\"}"),
                Arguments.of("additionalPermissions", "{\"fileSystem\":{\"write\":[\"/\"]}}"),
                Arguments.of("proposedNetworkPolicyAmendments", "[{\"host\":\"example.com\",\"action\":\"allow\"}]"),
                Arguments.of("kind", "\"writeStdin\""),
                Arguments.of("kind", "\"humanCommand\""),
                Arguments.of("environmentId", "\"remote\""),
                Arguments.of("approvalId", "\"cb-1\""),
                // a field this version does not know: the rules cannot judge it, so they may not accept
                Arguments.of("sandboxOverride", "{\"mode\":\"danger-full-access\"}"));
    }

    @ParameterizedTest
    @MethodSource("moreThanACommand")
    void aRequestThatAsksForMoreThanRunningACommandIsNotAcceptedByRules(String field, String json) {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("ls"))),
                        CommandRules.acceptMatching(Pattern.compile(".*")))
                .build();
        IncomingRequest request = command("ls");
        ((ObjectNode) request.params()).set(field, context.json(json));
        assertThat(decide(approvals, request)).isEqualTo("\"decline\"");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.DEFAULT);
        assertThat(decide(approvals, command("ls"))).as("the same command, plain").isEqualTo("\"accept\"");
    }

    @Test
    void anUnknownFieldStillLetsARuleDeclineAndTheHandlerDecide() {
        IncomingRequest request = command("rm x");
        ((ObjectNode) request.params()).put("somethingNew", true);
        ApprovalDecisions declining = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("rm"))))
                .onCommandExecution(p -> CommandExecutionApprovalDecision.ACCEPT).build();
        assertThat(decide(declining, request)).isEqualTo("\"decline\"");
        ApprovalDecisions asking = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("rm"))))
                .onCommandExecution(p -> CommandExecutionApprovalDecision.CANCEL).build();
        assertThat(decide(asking, request)).as("the handler decides what the rule may not").isEqualTo("\"cancel\"");
    }

    // --- paths ----------------------------------------------------------------------------------------------------

    @Test
    void readingOutsideTheWorkspaceIsDeclinedWhateverTheSpelling() throws IOException {
        Path ws = Files.createDirectories(temp.resolve("ws"));
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.declineOutside(ws), CommandRules.acceptPrefixes(List.of(List.of("cat"))))
                .build();
        for (String script : List.of("cat ~/.ssh/id_rsa", "cat $HOME/.ssh/id_rsa", "cat README.md /etc/shadow",
                "cat ../../etc/shadow", "cat \"$HOME\"/x", "cat ${HOME}/x", "cat /etc/shadow", "cat -- /etc/shadow",
                "cat --file=/etc/shadow")) {
            IncomingRequest request = command(script);
            ((ObjectNode) request.params()).put("cwd", ws.toString());
            assertThat(decide(approvals, request)).as(script).isEqualTo("\"decline\"");
        }
        IncomingRequest inside = command("cat README.md");
        ((ObjectNode) inside.params()).put("cwd", ws.toString());
        assertThat(decide(approvals, inside)).isEqualTo("\"accept\"");
    }

    /** The real file-change request whose announced item changes {@code path} with {@code kind}. */
    private String decideFileChange(ApprovalDecisions approvals, String path, String kindJson) {
        TestApprovalContext files = new TestApprovalContext();
        String item = files.fixtureStartedItem(FILES, "fileChange").toString();
        ObjectNode started = (ObjectNode) files.json(item);
        started.putArray("changes").addObject().put("path", path).put("diff", "x\n")
                .set("kind", files.json(kindJson));
        files.withStartedItem(started);
        return decide(approvals, files.fixtureRequest(FILES, FILE_CHANGE), files);
    }

    @Test
    void aFileChangeThatLeavesTheWorkspaceOrTouchesWhatRunsLaterIsNotAccepted() throws IOException {
        Path ws = Files.createDirectories(temp.resolve("files/ws"));
        Path outside = Files.createDirectories(temp.resolve("files/outside"));
        Files.createSymbolicLink(ws.resolve("link"), outside);
        Files.createDirectories(ws.resolve(".git/hooks"));
        Files.writeString(outside.resolve("shared.txt"), "x");
        Files.createLink(ws.resolve("hardlink.txt"), outside.resolve("shared.txt"));
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.acceptInside(ws)).build();
        String add = "{\"type\":\"add\"}";
        String update = "{\"type\":\"update\"}";
        for (var change : List.of(
                List.of(ws + "/newdir/../link/x.txt", add),
                List.of(ws + "/link/x.txt", add),
                List.of(ws + "/hardlink.txt", update),
                List.of(ws + "/.git/hooks/pre-commit", add),
                List.of(ws + "/.git/config", update),
                List.of(ws + "/sub/.GIT/config", add),
                List.of(ws + "/.codex/config.toml", add),
                List.of(ws.toString(), "{\"type\":\"delete\"}"),
                List.of(ws + "/a.txt", "{\"type\":\"update\",\"move_path\":\"" + outside + "/a.txt\"}"),
                List.of(ws + "/a.txt", "{\"type\":\"update\",\"move_path\":\"" + ws + "\"}"))) {
            assertThat(decideFileChange(approvals, change.get(0), change.get(1))).as("%s", change)
                    .isEqualTo("\"decline\"");
        }
        assertThat(decideFileChange(approvals, ws + "/src/new.txt", add)).isEqualTo("\"accept\"");
    }

    @Test
    void theRecordedFileChangeIsStillAcceptedInsideItsWorkspace() throws IOException {
        Path ws = Files.createDirectories(temp.resolve("recorded"));
        TestApprovalContext files = new TestApprovalContext();
        files.withStartedItem(files.json(files.fixtureStartedItem(FILES, "fileChange").toString()
                .replace(RECORDED_WORKSPACE, ws.toString())));
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.declineOutside(ws), FileChangeRules.acceptInside(ws)).build();
        assertThat(decide(approvals, files.fixtureRequest(FILES, FILE_CHANGE), files)).isEqualTo("\"accept\"");
    }

    // --- bounded and total ----------------------------------------------------------------------------------------

    @Test
    void aOneMebibyteCommandIsDeclinedAtOnce() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.declineOutside(temp), CommandRules.acceptPrefixes(List.of(List.of("ls"))),
                        CommandRules.acceptMatching(Pattern.compile("ls.*")))
                .build();
        for (String script : List.of("ls " + "{a,".repeat(256 * 1024), "ls " + "a/".repeat(512 * 1024),
                "ls " + "'".repeat(1024 * 1024))) {
            long started = System.nanoTime();
            assertThat(decide(approvals, command(script))).isEqualTo("\"decline\"");
            // linear and capped: far under the second the issue allows, even on a loaded machine
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        }
    }

    @Test
    void aRuleWhoseRegexOverflowsTheStackGetsTheSafeDefault() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptMatching(Pattern.compile("ls (a|b)*")))
                .build();
        IncomingRequest request = command("ls " + "a".repeat(60_000));
        StepVerifier.create(approvals.handle(request, context))
                .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                .verifyComplete();
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.ERROR);
    }

    @Test
    void handlersAndToolsThatThrowAnErrorGetTheSafeDefault() {
        ApprovalDecisions sync = ApprovalDecisions.builder()
                .onCommandExecution(p -> {
                    throw new StackOverflowError("handler");
                }).build();
        ApprovalDecisions async = ApprovalDecisions.builder()
                .onCommandExecutionAsync(p -> {
                    throw new StackOverflowError("async handler");
                }).build();
        ApprovalDecisions rule = ApprovalDecisions.builder()
                .commandRules((p, c) -> {
                    throw new OutOfMemoryError("rule");
                }).build();
        for (ApprovalDecisions approvals : List.of(sync, async, rule)) {
            StepVerifier.create(approvals.handle(command("ls"), context))
                    .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                    .verifyComplete();
        }
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy).containsOnly(DecidedBy.ERROR).hasSize(3);
    }

    @Test
    void anErrorInsideAHandlersMonoIsCutByTheTimeout() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(p -> Mono.fromCallable(() -> {
                    throw new StackOverflowError("inside the Mono: Reactor rethrows it instead of signalling");
                }))
                .handlerTimeout(Duration.ofMillis(300))
                .build();
        StepVerifier.create(approvals.handle(command("ls"), context))
                .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                .verifyComplete();
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy)
                .isIn(DecidedBy.TIMEOUT, DecidedBy.ERROR);
    }

    @Test
    void aRuleThatNeverReturnsIsCutByTheHandlerTimeout() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules((p, c) -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Optional.of(CommandExecutionApprovalDecision.ACCEPT);
                })
                .handlerTimeout(Duration.ofMillis(300))
                .build();
        try {
            StepVerifier.create(approvals.handle(command("ls"), context))
                    .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                    .verifyComplete();
            assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy)
                    .isEqualTo(DecidedBy.TIMEOUT);
        } finally {
            release.countDown();
        }
    }

    @Test
    void aFileChangeRuleThatThrowsGetsTheSafeDefault() {
        TestApprovalContext files = new TestApprovalContext();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .fileChangeRules((p, c) -> {
                    throw new StackOverflowError();
                })
                .onFileChange(p -> FileChangeApprovalDecision.ACCEPT)
                .build();
        ServerRequestReply reply = approvals.handle(files.fixtureRequest(FILES, FILE_CHANGE), files).block(WAIT);
        JsonNode result = files.resultTree(reply);
        assertThat(result.get("decision").asText()).isEqualTo("decline");
    }
}

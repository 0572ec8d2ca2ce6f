package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.DECLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.rpc.ServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class CommandRulesTest {

    private static final String FIXTURE = "command-approval-accept.jsonl";
    private static final String METHOD = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
    private static final Path ROOT = Path.of("/srv/workspace");

    private final TestApprovalContext context = new TestApprovalContext();

    private final CommandRule gitStatusOrEcho = CommandRules.acceptPrefixes(
            List.of(List.of("git", "status"), List.of("echo")));

    // --- building requests from the real one codex 0.169.0 sent ---------------------------------------------

    private ObjectNode realParams() {
        return context.fixtureRequest(FIXTURE, METHOD).params().deepCopy();
    }

    private CommandExecutionRequestApprovalParams decode(ObjectNode params) {
        try {
            return context.mapper().treeToValue(params, CommandExecutionRequestApprovalParams.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The real request with this command line, working directory and parsed actions. */
    private CommandExecutionRequestApprovalParams request(String command, String cwd, ObjectNode... actions) {
        ObjectNode params = realParams();
        params.put("command", command);
        params.put("cwd", cwd);
        ArrayNode array = params.putArray("commandActions");
        for (ObjectNode action : actions) {
            array.add(action);
        }
        return decode(params);
    }

    /** The real request for {@code script} run by a login shell, parsed by codex into one unknown action. */
    private CommandExecutionRequestApprovalParams command(String script) {
        return request("/bin/bash -lc " + shellQuote(script), ROOT.toString(), unknown(script));
    }

    /** The real request with {@code commandLine} and no parsed actions. */
    private CommandExecutionRequestApprovalParams unparsed(String commandLine) {
        return request(commandLine, ROOT.toString());
    }

    private static String shellQuote(String script) {
        return "'" + script.replace("'", "'\\''") + "'";
    }

    private ObjectNode unknown(String command) {
        return context.mapper().createObjectNode().put("type", "unknown").put("command", command);
    }

    private ObjectNode read(String command, String path) {
        return context.mapper().createObjectNode().put("type", "read").put("command", command)
                .put("name", Path.of(path).getFileName().toString()).put("path", path);
    }

    private ObjectNode listFiles(String command, String path) {
        return context.mapper().createObjectNode().put("type", "listFiles").put("command", command).put("path", path);
    }

    private ObjectNode search(String command, String query, String path) {
        return context.mapper().createObjectNode().put("type", "search").put("command", command)
                .put("query", query).put("path", path);
    }

    private Optional<CommandExecutionApprovalDecision> decide(CommandRule rule, CommandExecutionRequestApprovalParams p) {
        return rule.decide(p, context);
    }

    private static CommandRule always(CommandExecutionApprovalDecision decision) {
        return (params, context) -> Optional.of(decision);
    }

    // --- acceptPrefixes -------------------------------------------------------------------------------------

    @Test
    void acceptPrefixesAcceptsACommandStartingWithAPrefix() {
        assertThat(decide(gitStatusOrEcho, command("git status -s"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("git status"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("echo hi"))).contains(ACCEPT);
    }

    @Test
    void acceptPrefixesAbstainsOnOtherCommands() {
        assertThat(decide(gitStatusOrEcho, command("git push"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("git"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("git statusx"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("rm -rf ~"))).isEmpty();
    }

    @Test
    void acceptPrefixesComparesWholeWordsNotCharacters() {
        CommandRule ls = CommandRules.acceptPrefixes(List.of(List.of("ls")));
        assertThat(decide(ls, command("ls -la"))).contains(ACCEPT);
        assertThat(decide(ls, command("lsblk"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "git status; rm -rf ~",
        "git status && x",
        "git status || x",
        "git status & rm -rf ~",
        "git status | cat",
        "git status\nrm -rf ~",
        "echo $(id)",
        "echo `id`",
        "echo \"$(id)\"",
        "echo \"`id`\"",
        "echo hi > out.txt",
        "echo hi >> out.txt",
        "echo < /etc/passwd",
        "git status 'unbalanced",
        "git status \"unbalanced",
    })
    void acceptPrefixesAbstainsOnShellOperatorsSubstitutionsRedirectionsAndUnbalancedQuotes(String script) {
        assertThat(CommandRules.plainWords(script)).isNull();
        assertThat(decide(gitStatusOrEcho, command(script))).isEmpty();
        assertThat(decide(gitStatusOrEcho, unparsed("/bin/bash -lc " + shellQuote(script)))).isEmpty();
    }

    @Test
    void theRealRecordedCommandWithARedirectionIsNotAccepted() {
        CommandExecutionRequestApprovalParams real = decode(realParams());
        assertThat(CommandRules.bareCommands(real)).containsExactly("echo hi > out.txt");
        assertThat(decide(gitStatusOrEcho, real)).isEmpty();
    }

    @Test
    void quotedArgumentsAreSingleWords() {
        assertThat(CommandRules.plainWords("git commit -m 'a b'")).containsExactly("git", "commit", "-m", "a b");
        assertThat(CommandRules.plainWords("git commit -m \"a \\\"b\\\"\""))
                .containsExactly("git", "commit", "-m", "a \"b\"");
        assertThat(CommandRules.plainWords("touch a\\ b")).containsExactly("touch", "a b");
        assertThat(CommandRules.plainWords("echo '' x")).containsExactly("echo", "", "x");
        assertThat(CommandRules.plainWords("'git' \"status\"")).containsExactly("git", "status");
        assertThat(CommandRules.plainWords("  git\tstatus  ")).containsExactly("git", "status");
    }

    @Test
    void operatorsInsideSingleQuotesOrEscapedAreLiteralText() {
        assertThat(CommandRules.plainWords("echo '$(id); rm -rf ~ | x > y'"))
                .containsExactly("echo", "$(id); rm -rf ~ | x > y");
        assertThat(CommandRules.plainWords("echo a\\;b")).containsExactly("echo", "a;b");
        assertThat(decide(gitStatusOrEcho, command("echo '$(id); rm -rf ~'"))).contains(ACCEPT);
    }

    @Test
    void aQuotedCommitMessageIsAcceptedByItsPrefix() {
        CommandRule commit = CommandRules.acceptPrefixes(List.of(List.of("git", "commit", "-m")));
        assertThat(decide(commit, command("git commit -m 'fix: a b'"))).contains(ACCEPT);
        assertThat(decide(commit, command("git commit --amend"))).isEmpty();
    }

    // --- the command line when codex parsed no actions ------------------------------------------------------

    @Test
    void withoutParsedActionsTheLoginShellWrapperIsRemoved() {
        CommandExecutionRequestApprovalParams params = unparsed("/bin/bash -lc 'git status'");
        assertThat(CommandRules.bareCommands(params)).containsExactly("git status");
        assertThat(decide(gitStatusOrEcho, params)).contains(ACCEPT);
    }

    @Test
    void withoutParsedActionsQuoteEscapesOfTheWrapperAreUndone() {
        CommandExecutionRequestApprovalParams params = unparsed("/bin/bash -lc 'git commit -m '\\''a b'\\'''");
        assertThat(CommandRules.bareCommands(params)).containsExactly("git commit -m 'a b'");
        assertThat(CommandRules.plainWords(CommandRules.bareCommands(params).get(0)))
                .containsExactly("git", "commit", "-m", "a b");
        CommandRule commit = CommandRules.acceptPrefixes(List.of(List.of("git", "commit")));
        assertThat(decide(commit, params)).contains(ACCEPT);
    }

    @Test
    void otherShellsAndAbsentActionsAreUnwrappedToo() {
        assertThat(CommandRules.bareCommands(unparsed("zsh -lc 'ls -la'"))).containsExactly("ls -la");
        assertThat(CommandRules.bareCommands(unparsed("/bin/sh -c 'ls'"))).containsExactly("ls");
        ObjectNode params = realParams();
        params.remove("commandActions");
        params.put("command", "/usr/bin/bash -lc 'git status'");
        assertThat(CommandRules.bareCommands(decode(params))).containsExactly("git status");
        assertThat(decide(gitStatusOrEcho, decode(params))).contains(ACCEPT);
    }

    @Test
    void aCommandLineWithoutWrapperIsTakenAsIs() {
        assertThat(CommandRules.bareCommands(unparsed("git status"))).containsExactly("git status");
        assertThat(decide(gitStatusOrEcho, unparsed("git status"))).contains(ACCEPT);
        // arguments after the wrapped script: not unwrapped, so the words start with the shell
        assertThat(decide(gitStatusOrEcho, unparsed("/bin/bash -lc 'git status' x"))).isEmpty();
    }

    @Test
    void anEscapedQuoteCannotSmuggleAnotherCommandPastThePrefix() {
        // argv ["/bin/bash", "-lc", "git status' && rm -rf / 'x"]: bash runs git with one odd argument
        CommandExecutionRequestApprovalParams params = unparsed(
                "/bin/bash -lc " + shellQuote("git status' && rm -rf / 'x"));
        assertThat(CommandRules.plainWords(CommandRules.bareCommands(params).get(0)))
                .containsExactly("git", "status && rm -rf / x");
        assertThat(decide(gitStatusOrEcho, params)).isEmpty();
    }

    @Test
    void parsedActionsTakePrecedenceOverTheCommandLine() {
        CommandExecutionRequestApprovalParams params = request("/bin/bash -lc 'git status'", ROOT.toString(),
                unknown("git push"));
        assertThat(CommandRules.bareCommands(params)).containsExactly("git push");
        assertThat(decide(gitStatusOrEcho, params)).isEmpty();
    }

    @Test
    void aPipelineHelperCodexLeftOutOfTheActionsStillPreventsAnAccept() {
        // codex's command parser drops "formatting helpers" such as tee, awk or xargs from a pipeline: for
        // `cat README.md | tee ~/.bashrc` it reports only the read of README.md
        CommandRule cat = CommandRules.acceptPrefixes(List.of(List.of("cat")));
        CommandExecutionRequestApprovalParams teeToBashrc = request("/bin/bash -lc 'cat README.md | tee ~/.bashrc'",
                ROOT.toString(), read("cat README.md", "README.md"));
        assertThat(decide(cat, teeToBashrc)).isEmpty();

        CommandRule ls = CommandRules.acceptMatching(Pattern.compile("ls -la"));
        CommandExecutionRequestApprovalParams awkSystem = request(
                "/bin/bash -lc " + shellQuote("ls -la | awk '{system(\"rm -rf \" $9)}'"), ROOT.toString(),
                listFiles("ls -la", "."));
        assertThat(decide(ls, awkSystem)).isEmpty();
    }

    @Test
    void aLeadingCdCodexLeftOutOfTheActionsStillPreventsAnAccept() {
        CommandRule cat = CommandRules.acceptPrefixes(List.of(List.of("cat")));
        assertThat(decide(cat, request("/bin/bash -lc 'cd /etc && cat passwd'", ROOT.toString(),
                read("cat passwd", "/etc/passwd")))).isEmpty();
    }

    @Test
    void theCommandLineMustMatchAsWellAsTheParsedActions() {
        CommandExecutionRequestApprovalParams params = request("/bin/bash -lc 'git push'", ROOT.toString(),
                unknown("git status"));
        assertThat(decide(gitStatusOrEcho, params)).isEmpty();
        assertThat(decide(gitStatusOrEcho, request("git push --force", ROOT.toString(), unknown("git status"))))
                .isEmpty();
    }

    @Test
    void everyParsedActionMustMatch() {
        CommandExecutionRequestApprovalParams oneBad = request("/bin/bash -lc 'git status'",
                ROOT.toString(), unknown("git status"), unknown("rm -rf x"));
        assertThat(decide(gitStatusOrEcho, oneBad)).isEmpty();

        CommandExecutionRequestApprovalParams allGood = request("/bin/bash -lc 'git status'",
                ROOT.toString(), unknown("git status"), unknown("echo done"));
        assertThat(decide(gitStatusOrEcho, allGood)).contains(ACCEPT);

        CommandExecutionRequestApprovalParams withRead = request("/bin/bash -lc 'cat README.md'",
                ROOT.toString(), read("cat README.md", "README.md"));
        assertThat(decide(gitStatusOrEcho, withRead)).isEmpty();
        CommandRule catToo = CommandRules.acceptPrefixes(List.of(List.of("git", "status"), List.of("cat")));
        assertThat(decide(catToo, withRead)).contains(ACCEPT);
    }

    @Test
    void aCompoundCommandIsNotAcceptedEvenWhenEveryActionMatches() {
        CommandRule catOrGitStatus = CommandRules.acceptPrefixes(List.of(List.of("git", "status"), List.of("cat")));
        assertThat(decide(catOrGitStatus, request("/bin/bash -lc 'cat README.md && git status'", ROOT.toString(),
                read("cat README.md", "README.md"), unknown("git status")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, request("/bin/bash -lc 'git status; echo done'", ROOT.toString(),
                unknown("git status"), unknown("echo done")))).isEmpty();
    }

    @Test
    void anEmptyCommandIsNotAccepted() {
        assertThat(decide(gitStatusOrEcho, request("", ROOT.toString(), unknown("")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, request("/bin/bash -lc ''", ROOT.toString()))).isEmpty();
        assertThat(decide(CommandRules.acceptPrefixes(List.of(List.of())), command("git status"))).isEmpty();
    }

    // --- declinePrefixes ------------------------------------------------------------------------------------

    @Test
    void declinePrefixesDeclinesWhenAnyPartStartsWithAPrefix() {
        CommandRule noPush = CommandRules.declinePrefixes(List.of(List.of("git", "push"), List.of("rm")));
        assertThat(decide(noPush, command("git push origin main"))).contains(DECLINE);
        assertThat(decide(noPush, command("rm -rf build"))).contains(DECLINE);
        assertThat(decide(noPush, request("/bin/bash -lc 'git status && git push'", ROOT.toString(),
                unknown("git status"), unknown("git push")))).contains(DECLINE);
        assertThat(decide(noPush, command("git status"))).isEmpty();
        assertThat(decide(noPush, command("git pushx"))).isEmpty();
    }

    @Test
    void declinePrefixesAlsoMatchesAPartWithShellOperators() {
        CommandRule noRm = CommandRules.declinePrefixes(List.of(List.of("rm", "-rf")));
        assertThat(CommandRules.plainWords("rm -rf ~; ls")).isNull();
        assertThat(decide(noRm, command("rm -rf ~; ls"))).contains(DECLINE);
        assertThat(decide(noRm, unparsed("/bin/bash -lc 'rm -rf build > log.txt'"))).contains(DECLINE);
    }

    private static final CommandRule NO_RM_OR_PUSH = CommandRules.declinePrefixes(
            List.of(List.of("rm"), List.of("git", "push")));

    @ParameterizedTest
    @ValueSource(strings = {
        "ls; rm -rf ~",
        "ls;rm -rf ~",
        "ls && rm -rf ~",
        "ls || rm -rf ~",
        "ls | rm -rf ~",
        "ls & rm -rf ~",
        "ls\nrm -rf ~",
        "ls > /dev/null 2>&1; rm -rf ~",
        "echo $(rm -rf ~)",
        "echo \"$(rm -rf ~)\"",
        "echo `rm -rf ~`",
        "echo ${X:-$(rm -rf ~)}",
        "cat <(rm -rf ~)",
        "(rm -rf ~)",
        "{ rm -rf ~; }",
        "if true; then rm -rf ~; fi",
        "bash -c 'rm -rf ~'",
        "sh -c \"cd / && rm -rf ~\"",
        "env X=1 rm -rf ~",
        "X=1 rm -rf ~",
        "sudo rm -rf ~",
        "sudo -u root /bin/rm -rf ~",
        "nohup nice -n 5 rm -rf ~ &",
        "/bin/rm -rf ~",
        "\\rm -rf ~",
        "r''m -rf ~",
        "\"rm\" -rf ~",
        "RM -rf ~",
        "find . | xargs rm -rf",
        "find . -exec rm -rf {} \\;",
        "ssh host 'rm -rf ~'",
        "bash <<< 'rm -rf ~'",
        "python3 -c 'import os; os.system(\"rm -rf ~\")'",
        "alias ll='rm -rf ~'",
        "git status && git push",
        "git status; git push origin main",
        "git -C /srv/workspace push --force",
        "eval 'git push'",
    })
    void declinePrefixesFindsACommandHiddenAnywhereInTheLine(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).as("parsed").contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, unparsed("/bin/bash -lc " + shellQuote(script)))).as("wrapped")
                .contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, unparsed(script))).as("bare").contains(DECLINE);
        // codex's parsed actions only summarise: the command line is searched as well
        assertThat(decide(NO_RM_OR_PUSH, request("/bin/bash -lc " + shellQuote(script), ROOT.toString(),
                unknown("ls")))).as("summarised").contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "$CMD -rf ~",
        "X=rm; $X -rf ~",
        "\"${X}\" -rf ~",
        "\"$(printf '\\162m')\" -rf ~",
        "`printf r; printf m` -rf ~",
        "$'\\x72m' -rf ~",
        "/bin/r? -rf ~",
        "/bin/r[m] -rf ~",
        "{rm,-rf,~}",
        "eval \"$CMD\"",
        "sudo $CMD",
        "bash -c \"$SCRIPT\"",
        "xargs $CMD < list.txt",
        "for f in a; do $f; done",
    })
    void declinePrefixesDeclinesACommandWhoseNameIsOnlyKnownAtRunTime(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).as("parsed").contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, unparsed("/bin/bash -lc " + shellQuote(script)))).as("wrapped")
                .contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "git status",
        "git pushx",
        "git log --oneline -5",
        "rmdir build",
        "ls -la > \"$OUT\" 2>&1",
        "cd $HOME && ls",
        "echo \"$HOME\" $PATH",
        "x=$(date); echo $x",
        "echo $((1 + $n))",
        "for f in *.java; do wc -l \"$f\"; done",
        "awk '{print $1}' data.txt",
        "sed 's/$x/y/' a.txt",
        "grep -E 'a|b' a.txt | sort | uniq -c",
        "find . -name '*.txt' | xargs wc -l",
        "git commit -m 'fix: a; b && c'",
    })
    void declinePrefixesAbstainsOnCommandsThatRunNoneOfItsPrefixes(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).as("parsed").isEmpty();
        assertThat(decide(NO_RM_OR_PUSH, unparsed("/bin/bash -lc " + shellQuote(script)))).as("wrapped").isEmpty();
    }

    @Test
    void declinePrefixesErrsTowardsDecliningAMereMention() {
        assertThat(decide(NO_RM_OR_PUSH, command("echo rm"))).contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, command("git commit -m 'before git push'"))).contains(DECLINE);
    }

    @Test
    void declinePrefixesDeclinesARequestWithoutACommand() {
        ObjectNode params = realParams();
        params.remove("command");
        params.remove("commandActions");
        assertThat(decide(NO_RM_OR_PUSH, decode(params))).contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, request("  ", ROOT.toString()))).contains(DECLINE);
    }

    @Test
    void declinePrefixesBeforeAnAcceptingRuleKeepsAHiddenCommandFromBeingAccepted() {
        CommandRule rules = (p, c) -> ApprovalRule.firstMatch(List.of(NO_RM_OR_PUSH,
                CommandRules.acceptPrefixes(List.of(List.of("git"))))).decide(p, c);
        assertThat(decide(rules, command("git status"))).contains(ACCEPT);
        assertThat(decide(rules, command("git -c core.pager='rm -rf ~' log"))).contains(DECLINE);
        assertThat(decide(rules, command("git -C /tmp push"))).contains(DECLINE);
    }

    // --- acceptMatching -------------------------------------------------------------------------------------

    @Test
    void acceptMatchingAcceptsAPlainCommandMatchingAsAWhole() {
        CommandRule ls = CommandRules.acceptMatching(Pattern.compile("ls( -[a-z]+)*"));
        assertThat(decide(ls, command("ls -la"))).contains(ACCEPT);
        assertThat(decide(ls, command("ls"))).contains(ACCEPT);
        assertThat(decide(ls, command("ls -la /"))).isEmpty();
        assertThat(decide(ls, command("ls; id"))).isEmpty();
        assertThat(decide(ls, command("ls -la | sh"))).isEmpty();
        assertThat(decide(ls, request("/bin/bash -lc 'ls -l && ls -a'", ROOT.toString(),
                unknown("ls -l"), unknown("ls -a")))).isEmpty();
        assertThat(decide(ls, request("/bin/bash -lc 'ls -l && id'", ROOT.toString(),
                unknown("ls -l"), unknown("id")))).isEmpty();
    }

    @Test
    void acceptMatchingSeesQuotedWordsJoinedBySpaces() {
        CommandRule commit = CommandRules.acceptMatching(Pattern.compile("git commit -m [a-z ]+"));
        assertThat(decide(commit, command("git commit -m 'a b'"))).contains(ACCEPT);
        assertThat(decide(commit, command("git commit -m \"$(id)\""))).isEmpty();
    }

    // --- declineOutside -------------------------------------------------------------------------------------

    @Test
    void declineOutsideDeclinesAWorkingDirectoryOutsideTheRoot() {
        CommandRule outside = CommandRules.declineOutside(ROOT);
        assertThat(decide(outside, request("/bin/bash -lc 'ls'", "/etc", unknown("ls")))).contains(DECLINE);
        assertThat(decide(outside, request("/bin/bash -lc 'ls'", "/srv/workspace-other", unknown("ls"))))
                .contains(DECLINE);
        assertThat(decide(outside, request("/bin/bash -lc 'ls'", "/srv/workspace/../etc", unknown("ls"))))
                .contains(DECLINE);
    }

    @Test
    void declineOutsideDeclinesAReadWhoseRelativePathEscapesTheRoot() {
        CommandRule outside = CommandRules.declineOutside(ROOT);
        assertThat(decide(outside, request("/bin/bash -lc 'cat ../../etc/passwd'", "/srv/workspace/sub",
                read("cat ../../etc/passwd", "../../etc/passwd")))).contains(DECLINE);
        assertThat(decide(outside, request("/bin/bash -lc 'cat ../x'", "/srv/workspace/sub",
                read("cat ../x", "../x")))).isEmpty();
    }

    @Test
    void declineOutsideDeclinesListingsAndSearchesOutsideTheRoot() {
        CommandRule outside = CommandRules.declineOutside(ROOT);
        assertThat(decide(outside, request("/bin/bash -lc 'ls /etc'", ROOT.toString(),
                listFiles("ls /etc", "/etc")))).contains(DECLINE);
        assertThat(decide(outside, request("/bin/bash -lc 'rg key ~/.ssh'", ROOT.toString(),
                search("rg key /home/u/.ssh", "key", "/home/u/.ssh")))).contains(DECLINE);
        assertThat(decide(outside, request("/bin/bash -lc 'rg key src'", ROOT.toString(),
                search("rg key src", "key", "src")))).isEmpty();
    }

    @Test
    void declineOutsideAbstainsWhenEverythingIsInside() {
        CommandRule outside = CommandRules.declineOutside(ROOT);
        assertThat(decide(outside, request("/bin/bash -lc 'cat README.md'", "/srv/workspace",
                read("cat README.md", "README.md")))).isEmpty();
        assertThat(decide(outside, request("/bin/bash -lc 'ls'", "/srv/workspace/src/main", unknown("ls"))))
                .isEmpty();
        assertThat(decide(outside, request("/bin/bash -lc 'cat /srv/workspace/a'", "/srv/workspace",
                read("cat /srv/workspace/a", "/srv/workspace/a")))).isEmpty();
        ObjectNode noCwd = realParams();
        noCwd.remove("cwd");
        assertThat(decide(outside, decode(noCwd))).isEmpty();
    }

    @Test
    void declineOutsideOfTheRealWorkspaceAbstainsOnTheRealRequest() {
        CommandExecutionRequestApprovalParams real = decode(realParams());
        assertThat(decide(CommandRules.declineOutside(Path.of(real.cwd())), real)).isEmpty();
        assertThat(decide(CommandRules.declineOutside(Path.of(real.cwd(), "sub")), real)).contains(DECLINE);
    }

    @Test
    void declineOutsideFollowsLinksOutOfTheRoot(@TempDir Path tmp) throws IOException {
        Path workspace = Files.createDirectories(tmp.resolve("workspace"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(workspace.resolve("escape"), outside);
        CommandRule rule = CommandRules.declineOutside(workspace);

        assertThat(decide(rule, request("/bin/bash -lc 'cat escape/id_rsa'", workspace.toString(),
                read("cat escape/id_rsa", "escape/id_rsa")))).contains(DECLINE);
        assertThat(decide(rule, request("/bin/bash -lc 'ls'", workspace.resolve("escape").toString(),
                unknown("ls")))).contains(DECLINE);
        assertThat(decide(rule, request("/bin/bash -lc 'cat a.txt'", workspace.toString(),
                read("cat a.txt", "a.txt")))).isEmpty();
    }

    // --- forSession and withProposedAmendment ---------------------------------------------------------------

    @Test
    void forSessionTurnsAnAcceptIntoAcceptForSession() {
        assertThat(decide(CommandRules.forSession(gitStatusOrEcho), command("git status"))).contains(ACCEPT_FOR_SESSION);
    }

    @Test
    void forSessionLeavesADeclineAndAnAbstentionAlone() {
        CommandRule noRm = CommandRules.forSession(CommandRules.declinePrefixes(List.of(List.of("rm"))));
        assertThat(decide(noRm, command("rm -rf x"))).contains(DECLINE);
        assertThat(decide(CommandRules.forSession(gitStatusOrEcho), command("git push"))).isEmpty();
    }

    @Test
    void withProposedAmendmentAcceptsWithTheAmendmentCodexProposed() throws Exception {
        CommandExecutionRequestApprovalParams real = decode(realParams());
        Optional<CommandExecutionApprovalDecision> decision =
                decide(CommandRules.withProposedAmendment(always(ACCEPT)), real);

        assertThat(decision).contains(AcceptWithExecpolicyAmendment.of(List.of("/bin/bash", "-lc", "echo hi > out.txt")));
        assertThat(context.mapper().writeValueAsString(decision.get())).isEqualTo(
                "{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"/bin/bash\",\"-lc\",\"echo hi > out.txt\"]}}");
        // exactly the shape codex itself offered in availableDecisions
        JsonNode tree = context.mapper().valueToTree(decision.get());
        assertThat(tree).isEqualTo(realParams().get("availableDecisions").get(1));
    }

    @Test
    void withProposedAmendmentIsSentOnTheWireThroughApprovalDecisions() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.withProposedAmendment(always(ACCEPT)))
                .build();
        ServerRequest real = context.fixtureRequest(FIXTURE, METHOD);
        assertThat(context.resultJson(approvals.handle(real, context).block(Duration.ofSeconds(10)))).isEqualTo(
                "{\"decision\":{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":"
                        + "[\"/bin/bash\",\"-lc\",\"echo hi > out.txt\"]}}}");
        assertThat(context.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.POLICY);
    }

    @Test
    void withProposedAmendmentStaysAPlainAcceptWhenNoneWasProposed() {
        ObjectNode none = realParams();
        none.remove("proposedExecpolicyAmendment");
        assertThat(decide(CommandRules.withProposedAmendment(always(ACCEPT)), decode(none))).contains(ACCEPT);
        ObjectNode empty = realParams();
        empty.putArray("proposedExecpolicyAmendment");
        assertThat(decide(CommandRules.withProposedAmendment(always(ACCEPT)), decode(empty))).contains(ACCEPT);
    }

    @Test
    void withProposedAmendmentLeavesOtherDecisionsAlone() {
        CommandExecutionRequestApprovalParams real = decode(realParams());
        assertThat(decide(CommandRules.withProposedAmendment(always(DECLINE)), real)).contains(DECLINE);
        assertThat(decide(CommandRules.withProposedAmendment(always(ACCEPT_FOR_SESSION)), real))
                .contains(ACCEPT_FOR_SESSION);
        assertThat(decide(CommandRules.withProposedAmendment((p, c) -> Optional.empty()), real)).isEmpty();
    }

    // --- firstMatch ------------------------------------------------------------------------------------------

    @Test
    void firstMatchTakesTheFirstRuleThatDecides() {
        CommandRule noPush = CommandRules.declinePrefixes(List.of(List.of("git", "push")));
        CommandRule anyGit = CommandRules.acceptPrefixes(List.of(List.of("git")));

        var declineFirst = ApprovalRule.firstMatch(List.of(noPush, anyGit));
        assertThat(declineFirst.decide(command("git push"), context)).contains(DECLINE);
        assertThat(declineFirst.decide(command("git status"), context)).contains(ACCEPT);
        assertThat(declineFirst.decide(command("ls"), context)).isEmpty();

        var acceptFirst = ApprovalRule.firstMatch(List.of(anyGit, noPush));
        assertThat(acceptFirst.decide(command("git push"), context)).contains(ACCEPT);
    }

    @Test
    void firstMatchDoesNotAskLaterRulesOnceOneDecided() {
        int[] asked = {0};
        CommandRule counting = (p, c) -> {
            asked[0]++;
            return Optional.of(ACCEPT);
        };
        var rules = ApprovalRule.firstMatch(List.of(always(DECLINE), counting));
        assertThat(rules.decide(command("ls"), context)).contains(DECLINE);
        assertThat(asked[0]).isZero();
    }

    @Test
    void firstMatchRejectsARuleReturningNull() {
        CommandRule broken = (p, c) -> null;
        var rules = ApprovalRule.firstMatch(List.of(broken, always(ACCEPT)));
        assertThatThrownBy(() -> rules.decide(command("ls"), context))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("a rule returned null");
    }

    @Test
    void builderRulesKeepTheirOrder() {
        ServerRequest push = context.fixtureRequest(FIXTURE, METHOD);
        ((ObjectNode) push.params()).put("command", "/bin/bash -lc 'git push'")
                .putArray("commandActions").add(unknown("git push"));
        ApprovalDecisions declineFirst = ApprovalDecisions.builder()
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))),
                        CommandRules.acceptPrefixes(List.of(List.of("git"))))
                .build();
        ApprovalDecisions acceptFirst = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("git"))))
                .commandRules(CommandRules.declinePrefixes(List.of(List.of("git", "push"))))
                .build();
        Duration wait = Duration.ofSeconds(10);
        assertThat(context.resultJson(declineFirst.handle(push, context).block(wait)))
                .isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.resultJson(acceptFirst.handle(push, context).block(wait)))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy)
                .containsExactly(DecidedBy.POLICY, DecidedBy.POLICY);
    }
}

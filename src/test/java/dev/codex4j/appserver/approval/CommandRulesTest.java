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
import dev.codex4j.appserver.rpc.IncomingRequest;
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

    @TempDir
    static Path temp;

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

    // --- acceptPrefixes: accepts only one literal simple command ---------------------------------------------

    @Test
    void acceptPrefixesAcceptsACommandStartingWithAPrefix() {
        assertThat(decide(gitStatusOrEcho, command("git status"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("git status -s"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, command("echo hi"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, unparsed("/bin/bash -lc ls"))).isEmpty();
        assertThat(decide(CommandRules.acceptPrefixes(List.of(List.of("ls"))), unparsed("/bin/bash -lc ls")))
                .as("a bare unquoted script").contains(ACCEPT);
    }

    @Test
    void acceptPrefixesAbstainsOnOtherCommands() {
        assertThat(decide(gitStatusOrEcho, command("git push"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("gitstatus"))).isEmpty();
        assertThat(decide(gitStatusOrEcho, command("/usr/bin/git status"))).as("names compare exactly").isEmpty();
    }

    @Test
    void acceptPrefixesComparesWholeWordsNotCharacters() {
        CommandRule ls = CommandRules.acceptPrefixes(List.of(List.of("ls")));
        assertThat(decide(ls, command("ls -la"))).contains(ACCEPT);
        assertThat(decide(ls, command("lsblk"))).isEmpty();
    }

    @Test
    void nullArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> CommandRules.acceptPrefixes(null)).hasMessage("prefixes");
        assertThatThrownBy(() -> CommandRules.declinePrefixes(null)).hasMessage("prefixes");
        assertThatThrownBy(() -> CommandRules.declineOutside(null)).hasMessage("root");
        assertThatThrownBy(() -> CommandRules.literalArgv(null)).hasMessage("params");
        assertThatThrownBy(() -> FileChangeRules.acceptInside(ROOT, null)).hasMessage("protectedPaths");
        assertThatThrownBy(() -> FileChangeRules.declineOutside(null)).hasMessage("root");
    }

    @Test
    void anEmptyPrefixIsRefusedWhenTheRuleIsBuilt() {
        assertThatThrownBy(() -> CommandRules.acceptPrefixes(List.of(List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty prefix");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "git status; rm -rf ~",
        "git status && x",
        "git status || x",
        "git status & rm -rf ~",
        "git status | cat",
        "git status\nrm -rf ~",
        "git status\n",
        "echo $(id)",
        "echo `id`",
        "echo \"$(id)\"",
        "echo \"`id`\"",
        "echo $HOME",
        "echo ${U:-x}",
        "echo $'x'",
        "echo $\"x\"",
        "echo *",
        "echo a?",
        "echo [ab]",
        "echo {a,b}",
        "echo ~",
        "echo hi > out.txt",
        "echo hi >> out.txt",
        "echo < /etc/passwd",
        "echo hi 2>&1",
        "X=1 echo hi",
        "echo hi # comment",
        "echo <<EOF",
        "echo <<< x",
        "echo <(id)",
        "(echo hi)",
        "time echo hi",
        "git status 'unbalanced",
        "git status \"unbalanced",
        "echo a\\\nb",
        "echo \u0007",
        "echo =ls",
    })
    void acceptPrefixesAbstainsOnAnythingButOneLiteralSimpleCommand(String script) {
        assertThat(ShellSyntax.words(script)).isEmpty();
        assertThat(decide(gitStatusOrEcho, command(script))).isEmpty();
        assertThat(CommandRules.literalArgv(command(script))).isEmpty();
    }

    @Test
    void theRealRecordedCommandWithARedirectionIsNotAccepted() {
        CommandExecutionRequestApprovalParams real = decode(realParams());
        assertThat(CommandRules.bareCommands(real)).containsExactly("echo hi > out.txt");
        assertThat(decide(gitStatusOrEcho, real)).isEmpty();
    }

    @Test
    void quotedArgumentsAreSingleWords() {
        assertThat(ShellSyntax.words("git commit -m 'a b'")).contains(List.of("git", "commit", "-m", "a b"));
        assertThat(ShellSyntax.words("git commit -m \"a \\\"b\\\"\""))
                .contains(List.of("git", "commit", "-m", "a \"b\""));
        assertThat(ShellSyntax.words("touch a\\ b")).contains(List.of("touch", "a b"));
        assertThat(ShellSyntax.words("echo '' x")).contains(List.of("echo", "", "x"));
        assertThat(ShellSyntax.words("'git' \"status\"")).contains(List.of("git", "status"));
        assertThat(ShellSyntax.words("  git\tstatus  ")).contains(List.of("git", "status"));
    }

    @Test
    void operatorsInsideSingleQuotesOrEscapedAreLiteralText() {
        assertThat(ShellSyntax.words("echo '$(id); rm -rf ~ | x > y'"))
                .contains(List.of("echo", "$(id); rm -rf ~ | x > y"));
        assertThat(ShellSyntax.words("echo a\\;b")).contains(List.of("echo", "a;b"));
        assertThat(decide(gitStatusOrEcho, command("echo '$(id); rm -rf ~'"))).contains(ACCEPT);
    }

    @Test
    void aQuotedCommitMessageIsAcceptedByItsPrefix() {
        CommandRule commit = CommandRules.acceptPrefixes(List.of(List.of("git", "commit", "-m")));
        assertThat(decide(commit, command("git commit -m 'fix: a b'"))).contains(ACCEPT);
        assertThat(decide(commit, command("git commit --amend"))).isEmpty();
        // as codex 0.169.0 quotes it: /bin/bash -lc "git commit -m 'fix bug'"
        assertThat(decide(commit, unparsed("/bin/bash -lc \"git commit -m 'fix bug'\""))).contains(ACCEPT);
        assertThat(CommandRules.literalArgv(unparsed("/bin/bash -lc \"git commit -m 'fix bug'\"")))
                .contains(List.of("git", "commit", "-m", "fix bug"));
    }

    @Test
    void codexsMixedQuotingIsReadBackExactlyAndItsScriptJudgedOnItsOwn() {
        // recorded from codex 0.169.0: the script `echo "it's" $HOME`
        CommandExecutionRequestApprovalParams params = unparsed("/bin/bash -lc \"echo \\\"it's\\\" \"'$HOME'");
        assertThat(ShellSyntax.words(params.command()))
                .contains(List.of("/bin/bash", "-lc", "echo \"it's\" $HOME"));
        assertThat(decide(gitStatusOrEcho, params)).as("$HOME expands").isEmpty();
        // the example: an argument that looks quoted one way in the display, another in bash
        CommandRule ls = CommandRules.acceptPrefixes(List.of(List.of("ls")));
        assertThat(decide(ls, unparsed("/bin/bash -lc 'ls $'\"'';touch /tmp/x\"'$'"))).isEmpty();
        assertThat(decide(ls, unparsed("'ls $'\"'';touch /tmp/x\"'$'"))).isEmpty();
    }

    @Test
    void theLoginShellWrapperIsRemovedAndOtherShellsToo() {
        assertThat(CommandRules.literalArgv(unparsed("/bin/bash -lc 'git status'"))).contains(List.of("git", "status"));
        assertThat(CommandRules.literalArgv(unparsed("zsh -lc 'ls -la'"))).contains(List.of("ls", "-la"));
        assertThat(CommandRules.literalArgv(unparsed("/bin/sh -c 'ls'"))).contains(List.of("ls"));
        assertThat(CommandRules.literalArgv(unparsed("/usr/bin/bash -lc 'git status'"))).contains(List.of("git", "status"));
        assertThat(CommandRules.literalArgv(unparsed("/bin/bash -lc 'git commit -m '\\''a b'\\'''")))
                .contains(List.of("git", "commit", "-m", "a b"));
        // not a wrapper: a relative shell path, another flag, or arguments after the script
        assertThat(CommandRules.literalArgv(unparsed("./bash -lc ls"))).contains(List.of("./bash", "-lc", "ls"));
        assertThat(CommandRules.literalArgv(unparsed("/bin/bash -x ls"))).contains(List.of("/bin/bash", "-x", "ls"));
        assertThat(decide(gitStatusOrEcho, unparsed("/bin/bash -lc 'git status' x"))).isEmpty();
    }

    @Test
    void aCommandLineWithoutWrapperIsTakenAsIs() {
        assertThat(decide(gitStatusOrEcho, unparsed("git status"))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, unparsed("git status; id"))).isEmpty();
    }

    @Test
    void anEscapedQuoteCannotSmuggleAnotherCommandPastThePrefix() {
        // argv ["/bin/bash", "-lc", "git status' && rm -rf / 'x"]: the script itself is not one literal command
        CommandExecutionRequestApprovalParams params = unparsed(
                "/bin/bash -lc " + shellQuote("git status' && rm -rf / 'x"));
        assertThat(decide(gitStatusOrEcho, params)).isEmpty();
    }

    @Test
    void parsedActionsAreNotTrustedEitherWay() {
        assertThat(decide(gitStatusOrEcho, request("/bin/bash -lc 'git status'", ROOT.toString(),
                unknown("git push")))).as("the command line decides").contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, request("/bin/bash -lc 'git push'", ROOT.toString(),
                unknown("git status")))).isEmpty();
        CommandRule cat = CommandRules.acceptPrefixes(List.of(List.of("cat")));
        assertThat(decide(cat, request("/bin/bash -lc 'cat README.md | tee ~/.bashrc'", ROOT.toString(),
                read("cat README.md", "README.md")))).isEmpty();
        assertThat(decide(cat, request("/bin/bash -lc 'cd /etc && cat passwd'", ROOT.toString(),
                read("cat passwd", "/etc/passwd")))).isEmpty();
    }

    @Test
    void anEmptyCommandIsNotAccepted() {
        assertThat(decide(gitStatusOrEcho, request("", ROOT.toString(), unknown("")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, request("/bin/bash -lc ''", ROOT.toString()))).isEmpty();
        ObjectNode params = realParams();
        params.remove("command");
        assertThat(decide(gitStatusOrEcho, decode(params))).isEmpty();
    }

    // --- accepting rules see the whole request ---------------------------------------------------------------

    private CommandExecutionRequestApprovalParams gitStatusWith(String field, JsonNode value) {
        ObjectNode params = realParams();
        params.put("command", "/bin/bash -lc 'git status'");
        params.set(field, value);
        return decode(params);
    }

    @Test
    void acceptingRulesAbstainUnlessTheRequestIsAPlainLocalCommand() throws Exception {
        var mapper = context.mapper();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("command")))).contains(ACCEPT);
        assertThat(decide(gitStatusOrEcho, gitStatusWith("environmentId", mapper.valueToTree("local")))).contains(ACCEPT);

        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("writeStdin")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("humanCommand")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("kind", mapper.valueToTree("somethingNew")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("environmentId", mapper.valueToTree("remote-1")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("approvalId", mapper.valueToTree("cb-1")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("networkApprovalContext",
                mapper.readTree("{\"host\":\"example.com\",\"protocol\":\"https\"}")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("additionalPermissions",
                mapper.readTree("{\"fileSystem\":{\"write\":[\"/\"]}}")))).isEmpty();
        assertThat(decide(gitStatusOrEcho, gitStatusWith("proposedNetworkPolicyAmendments",
                mapper.readTree("[{\"host\":\"example.com\",\"action\":\"allow\"}]")))).isEmpty();
        assertThat(decide(CommandRules.acceptMatching(Pattern.compile(".*")), gitStatusWith("additionalPermissions",
                mapper.readTree("{\"fileSystem\":{\"write\":[\"/\"]}}")))).isEmpty();
    }

    // --- declinePrefixes ------------------------------------------------------------------------------------

    private static final CommandRule NO_RM_OR_PUSH = CommandRules.declinePrefixes(
            List.of(List.of("rm"), List.of("git", "push")));

    @ParameterizedTest
    @ValueSource(strings = {
        "git push origin main",
        "rm -rf build",
        "ls; rm -rf x",
        "ls;rm -rf x",
        "ls && rm -rf x",
        "ls || rm -rf x",
        "ls | rm -rf x",
        "ls & rm -rf x",
        "ls\nrm -rf x",
        "ls > /dev/null 2>&1; rm -rf x",
        "(rm -rf x)",
        "env X=1 rm -rf x",
        "X=1 rm -rf x",
        "nohup nice -n 5 rm -rf x &",
        "/bin/rm -rf x",
        "\\rm -rf x",
        "r''m -rf x",
        "\"rm\" -rf x",
        "RM -rf x",
        "find . -exec rm -rf {} \\;",
        "git status && git push",
        "git status; git push origin main",
        "git -C /srv/workspace push --force",
        "git -c alias.p=push p",
        "git -c core.pager='rm -rf x' log",
        "git rm file",
        "echo rm",
        "git commit -m 'before git push'",
        "git pushx", // a later word containing "push" counts: errs towards declining
    })
    void declinePrefixesFindsACommandAnywhereInTheScript(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // words known only at run time
        "git ${U:-push}",
        "git $\"push\"",
        "git $'push'",
        "git {push,}",
        "git pus?",
        "git pu[s]h",
        "$CMD -rf x",
        "X=rm; $X -rf x",
        "\"$(printf '\\162m')\" -rf x",
        "`printf r; printf m` -rf x",
        "/bin/r? -rf x",
        "echo \"$HOME\"",
        "cat ~/x",
        // keywords, functions and other shell constructs it does not read
        "time -p rm x",
        "time rm x",
        "function f { rm x; }; f",
        "f() (rm x); f",
        "coproc rm x",
        "if true; then rm x; fi",
        "{ rm x; }",
        "for f in a; do $f; done",
        "case x in x) rm y;; esac",
        "! rm x",
        "[[ -f x ]] && rm x",
        "(( 1 )) && rm x",
        "echo ${X:-$(rm x)}",
        "echo $((1 + $(rm x)))",
        "echo `echo \\`rm x\\``",
        "trap 'rm x' EXIT",
        "let 'x=$(rm y)'",
        "PS4='$(rm x)' bash -x -c :",
        "cat <<< 'x'",
        "cat <<EOF\nit's\nrm x\nEOF",
        "cat <(rm x)",
        "ls # ; rm x",
        "ls \\\nrm x",
        // interpreters and programs that run what they are given
        "bash -c 'rm x'",
        "sh -c \"rm x\"",
        "echo 'rm x' | bash",
        "bash < script.sh",
        "python3 -c 'import os; os.remove(\"x\")'",
        "perl -e 'unlink \"x\"'",
        "eval 'git push'",
        "source ./x.sh",
        ". ./x.sh",
        "xargs < list.txt",
        "find . | xargs printf",
        "sudo -s",
        "ssh host 'rm x'",
        "awk 'BEGIN{system(\"r\" \"m x\")}'",
        "sed -n '1e rm x' f",
        "env -S 'rm x'",
        "env -iS 'rm x'",
        "watch ls",
        "node -e 'x'",
        "python3.12 x.py",
    })
    void declinePrefixesDeclinesWhatItCannotReadCompletely(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "git status",
        "git log --oneline -5",
        "rmdir build",
        "ls -la > out.txt 2>&1",
        "grep -E 'a|b' a.txt | sort | uniq -c",
        "git commit -m 'fix: a; b && c'",
        "npm test",
        "X=1 npm test",
        "(cd sub; ls)",
    })
    void declinePrefixesAbstainsOnLiteralCommandsThatRunNoneOfItsPrefixes(String script) {
        assertThat(decide(NO_RM_OR_PUSH, command(script))).isEmpty();
    }

    @Test
    void declinePrefixesDeclinesARequestWithoutAReadableCommand() {
        ObjectNode params = realParams();
        params.remove("command");
        params.remove("commandActions");
        assertThat(decide(NO_RM_OR_PUSH, decode(params))).contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, request("  ", ROOT.toString()))).contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, request("/bin/bash -lc 'unterminated", ROOT.toString()))).contains(DECLINE);
        assertThat(decide(NO_RM_OR_PUSH, command("ls " + "a".repeat(ShellSyntax.MAX_CHARS)))).contains(DECLINE);
    }

    @Test
    void declinePrefixesBeforeAnAcceptingRuleKeepsItsCommandsFromBeingAccepted() {
        CommandRule rules = (p, c) -> ApprovalRule.firstMatch(List.of(NO_RM_OR_PUSH,
                CommandRules.acceptPrefixes(List.of(List.of("git"))))).decide(p, c);
        assertThat(decide(rules, command("git status"))).contains(ACCEPT);
        assertThat(decide(rules, command("git -c core.pager='rm -rf ~' log"))).contains(DECLINE);
        assertThat(decide(rules, command("git -C /tmp push"))).contains(DECLINE);
        assertThat(decide(rules, command("git -c alias.p=push p"))).contains(DECLINE);
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
        assertThat(decide(ls, command("ls -l && ls -a"))).isEmpty();
    }

    @Test
    void acceptMatchingSeesQuotedWordsJoinedBySpaces() {
        CommandRule commit = CommandRules.acceptMatching(Pattern.compile("git commit -m [a-z ]+"));
        assertThat(decide(commit, command("git commit -m 'a b'"))).contains(ACCEPT);
        assertThat(decide(commit, command("git commit -m \"$(id)\""))).isEmpty();
    }

    // --- declineOutside -------------------------------------------------------------------------------------

    private Path workspace() throws IOException {
        return Files.createDirectories(temp.resolve("ws"));
    }

    private CommandExecutionRequestApprovalParams in(Path cwd, String script) {
        return request("/bin/bash -lc " + shellQuote(script), cwd.toString());
    }

    @Test
    void declineOutsideDeclinesAWorkingDirectoryOutsideTheRoot() throws IOException {
        Path ws = workspace();
        CommandRule outside = CommandRules.declineOutside(ws);
        assertThat(decide(outside, in(Path.of("/etc"), "ls"))).contains(DECLINE);
        assertThat(decide(outside, in(Path.of(ws + "-other"), "ls"))).contains(DECLINE);
        assertThat(decide(outside, in(Path.of(ws + "/../etc"), "ls"))).contains(DECLINE);
        assertThat(decide(CommandRules.declineOutside(temp.resolve("does-not-exist")), in(ws, "ls")))
                .as("a root that does not exist holds nothing").contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "cat ~/.ssh/id_rsa",
        "cat $HOME/.ssh/id_rsa",
        "cat \"$HOME/.ssh/id_rsa\"",
        "cat ${HOME}/x",
        "cat README.md /etc/shadow",
        "cat /etc/shadow",
        "cat ../x",
        "cat sub/../../x",
        "cat new/../x",
        "cat < /etc/shadow",
        "ls > /tmp/out",
        "grep -r key --include=x /etc",
        "gcc -I/usr/include a.c",
        "tar --file=/etc/x -t",
        "cp a.txt ../b.txt",
        "cd /etc && cat passwd",
        "cd .. && cat x",
        "pushd sub; cat x",
        "cat escape/id_rsa",
        "cat $(echo x)",
        "cat *",
    })
    void declineOutsideDeclinesWhatMayReachOutsideTheRoot(String script) throws IOException {
        Path ws = workspace();
        Path outside = Files.createDirectories(temp.resolve("outside"));
        if (!Files.exists(ws.resolve("escape"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(ws.resolve("escape"), outside);
        }
        Files.createDirectories(ws.resolve("sub"));
        assertThat(decide(CommandRules.declineOutside(ws), in(ws, script))).contains(DECLINE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "cat README.md",
        "ls",
        "ls -la src",
        "cat sub/../README.md",
        "git log --oneline -5",
        "grep -r key --include=x .",
        "ls > out.txt 2>&1",
        "cat ./a.txt sub/b.txt",
    })
    void declineOutsideAbstainsWhenEverythingStaysInside(String script) throws IOException {
        Path ws = workspace();
        Files.createDirectories(ws.resolve("sub"));
        assertThat(decide(CommandRules.declineOutside(ws), in(ws, script))).isEmpty();
    }

    @Test
    void declineOutsideReadsAbsolutePathsInsideAsInside() throws IOException {
        Path ws = workspace();
        assertThat(decide(CommandRules.declineOutside(ws), in(ws, "cat " + ws.resolve("a.txt")))).isEmpty();
        ObjectNode noCwd = realParams();
        noCwd.remove("cwd");
        noCwd.put("command", "/bin/bash -lc ls");
        assertThat(decide(CommandRules.declineOutside(ws), decode(noCwd))).as("no cwd: the root").isEmpty();
    }

    @Test
    void declineOutsideFollowsLinksOutOfTheRoot() throws IOException {
        Path ws = Files.createDirectories(temp.resolve("links/ws"));
        Path outside = Files.createDirectories(temp.resolve("links/outside"));
        Files.createSymbolicLink(ws.resolve("escape"), outside);
        CommandRule rule = CommandRules.declineOutside(ws);
        assertThat(decide(rule, in(ws, "cat escape/id_rsa"))).contains(DECLINE);
        assertThat(decide(rule, in(ws.resolve("escape"), "ls"))).contains(DECLINE);
        assertThat(decide(rule, in(ws, "cat a.txt"))).isEmpty();
    }

    // --- forSession and amendments ----------------------------------------------------------------------------

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

    /** The real request for {@code script}, with codex proposing {@code amendment}. */
    private CommandExecutionRequestApprovalParams proposing(String script, List<String> amendment) {
        ObjectNode params = realParams();
        params.put("command", "/bin/bash -lc " + shellQuote(script));
        params.set("proposedExecpolicyAmendment", context.mapper().valueToTree(amendment));
        return decode(params);
    }

    @Test
    void anAmendmentEqualToOrNarrowerThanAPrefixIsForwarded() throws Exception {
        CommandRule npmTest = CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment();
        assertThat(decide(npmTest, proposing("npm test", List.of("npm", "test"))))
                .contains(AcceptWithExecpolicyAmendment.of(List.of("npm", "test")));
        assertThat(decide(npmTest, proposing("npm test --ci", List.of("npm", "test", "--ci"))))
                .contains(AcceptWithExecpolicyAmendment.of(List.of("npm", "test", "--ci")));
        assertThat(decide(npmTest, proposing("npm test", List.of("/bin/bash", "-lc", "npm test"))))
                .as("the wrapper with exactly this script").contains(
                        AcceptWithExecpolicyAmendment.of(List.of("/bin/bash", "-lc", "npm test")));
        Optional<CommandExecutionApprovalDecision> decision = decide(npmTest, proposing("npm test", List.of("npm", "test")));
        assertThat(context.mapper().writeValueAsString(decision.get()))
                .isEqualTo("{\"acceptWithExecpolicyAmendment\":{\"execpolicy_amendment\":[\"npm\",\"test\"]}}");
    }

    @Test
    void anAmendmentWiderThanEveryPrefixIsNeverForwarded() {
        CommandRule npmTest = CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment();
        for (List<String> wider : List.of(List.of("npm"), List.of("/bin/bash", "-lc"), List.of("/bin/bash"),
                List.of("/bin/bash", "-lc", "npm"), List.of("/bin/bash", "-lc", "npm test; rm -rf ~"),
                List.of("npm", "tes"), List.of("npx", "test"))) {
            assertThat(decide(npmTest, proposing("npm test", wider))).as("%s", wider).contains(ACCEPT);
        }
        ObjectNode none = realParams();
        none.put("command", "/bin/bash -lc 'npm test'");
        none.remove("proposedExecpolicyAmendment");
        assertThat(decide(npmTest, decode(none))).contains(ACCEPT);
        assertThat(decide(npmTest, proposing("npm run build", List.of("npm", "run", "build")))).isEmpty();
    }

    @Test
    void anAmendmentWiderThanThePrefixIsNeverSentThroughApprovalDecisions() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(CommandRules.acceptPrefixes(List.of(List.of("npm", "test"))).withProposedAmendment())
                .build();
        IncomingRequest request = context.fixtureRequest(FIXTURE, METHOD);
        ((ObjectNode) request.params()).put("command", "/bin/bash -lc 'npm test'")
                .set("proposedExecpolicyAmendment", context.mapper().valueToTree(List.of("npm")));
        assertThat(context.resultJson(approvals.handle(request, context).block(Duration.ofSeconds(10))))
                .isEqualTo("{\"decision\":\"accept\"}");
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
        IncomingRequest push = context.fixtureRequest(FIXTURE, METHOD);
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

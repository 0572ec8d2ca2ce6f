package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link CommandRules} reads as one literal simple command ({@code literalArgv}, and so what an accepting
 * rule may accept): operators, expansions and unbalanced quotes make it abstain; quoted words, codex's own
 * quoting and the login-shell wrapper are read back exactly; parsed actions and empty commands are not trusted.
 */
@Timeout(30)
class CommandRulesLiteralCommandTest extends CommandRulesTestBase {

    // --- one literal simple command: anything else is not accepted --------------------------------------------

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
}

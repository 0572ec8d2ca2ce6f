package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.DECLINE;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The declining {@link CommandRules}: {@code declinePrefixes} (a prefix anywhere in the script, and anything it
 * cannot read completely, declined; literal commands running none of its prefixes left alone) and
 * {@code declineOutside} (working directories, paths, redirections and links that may reach outside the root).
 */
@Timeout(30)
class CommandRulesDeclineTest extends CommandRulesTestBase {

    @TempDir
    static Path temp;

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
}

package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.approval.ShellTestSupport.HOSTILE;
import static dev.codex4j.appserver.approval.ShellTestSupport.pick;
import static dev.codex4j.appserver.approval.ShellTestSupport.visible;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The claim of the accepting rules, checked against real bash: when {@link CommandRules#acceptPrefixes} accepts,
 * running the script runs exactly one program, with exactly the argv {@link CommandRules#literalArgv} read, and
 * writes no file. Every accepted script runs under bash with recording shims in place of the programs it could
 * name.
 */
@Timeout(180)
class ApprovalBashDifferentialTest {

    private static final String FIXTURE = "command-approval-accept.jsonl";
    private static final String METHOD = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();

    /** None of these is a bash builtin, so running one goes through PATH and its shim records it. */
    private static final List<List<String>> PREFIXES = List.of(List.of("ls"), List.of("cat"),
            List.of("git", "status"), List.of("git", "commit"), List.of("touch", "allowed.txt"));
    private static final CommandRules.PrefixRule RULE = CommandRules.acceptPrefixes(PREFIXES);

    /**
     * Every program the corpus and the generator can name gets a recording shim. Builtins ({@code echo},
     * {@code printf}, {@code test}, {@code true}, {@code exec}, {@code eval}, {@code command}, {@code cd}…) cannot
     * be recorded: bash runs them without looking at PATH. They can still write files (redirections), which the
     * file check sees.
     */
    private static final List<String> PROGRAMS = List.of("ls", "cat", "git", "touch", "rm", "id", "sh", "bash",
            "dash", "env", "xargs", "curl", "python3", "mkdir", "tee", "chmod", "whoami", "sudo", "nohup");

    /** Files the work directory starts with: globs, braces and redirections have something to match or clobber. */
    private static final List<String> WORK_FILES = List.of("README.md", "a.txt", "b", "x", "allowed.txt");

    @TempDir
    Path temp;

    private final TestApprovalContext context = new TestApprovalContext();
    private final ObjectNode realParams = context.fixtureRequest(FIXTURE, METHOD).params().deepCopy();

    // ---- scripts that must be accepted, and run exactly the argv read ----

    static Stream<Arguments> shouldAccept() {
        return Stream.of(
                Arguments.of("ls", List.of("ls")),
                Arguments.of("ls -la", List.of("ls", "-la")),
                Arguments.of("  ls  -la  ", List.of("ls", "-la")),
                Arguments.of("cat README.md", List.of("cat", "README.md")),
                Arguments.of("git status", List.of("git", "status")),
                Arguments.of("git status -s", List.of("git", "status", "-s")),
                Arguments.of("touch allowed.txt", List.of("touch", "allowed.txt")),
                Arguments.of("touch allowed.txt other", List.of("touch", "allowed.txt", "other")),
                // quoted arguments
                Arguments.of("git commit -m 'fix bug'", List.of("git", "commit", "-m", "fix bug")),
                Arguments.of("git commit -m \"fix bug\"", List.of("git", "commit", "-m", "fix bug")),
                Arguments.of("git commit -m 'it'\\''s'", List.of("git", "commit", "-m", "it's")),
                Arguments.of("git commit -m \"it's \\\"x\\\" \\\\ \\$HOME\"",
                        List.of("git", "commit", "-m", "it's \"x\" \\ $HOME")),
                Arguments.of("cat ''", List.of("cat", "")),
                Arguments.of("cat 'line 1\nline 2'", List.of("cat", "line 1\nline 2")),
                Arguments.of("cat \u00e9\u4e2d\ud83d\ude00", List.of("cat", "\u00e9\u4e2d\ud83d\ude00")),
                Arguments.of("ls a=b", List.of("ls", "a=b")),
                // mixed quoting of a harmless argument, and shell syntax that stays an argument
                Arguments.of("cat 'ls $'\"'x'\"", List.of("cat", "ls $'x'")),
                Arguments.of("cat 'ls $'\"'';touch x\"'$'", List.of("cat", "ls $'';touch x$")),
                Arguments.of("ls -- '; touch x'", List.of("ls", "--", "; touch x")),
                Arguments.of("cat 'a;b' \"c&&d\" 'e|f' '>g' '`id`' '$(id)' '*' '~' '{a,b}' '#x' \"!\"",
                        List.of("cat", "a;b", "c&&d", "e|f", ">g", "`id`", "$(id)", "*", "~", "{a,b}", "#x", "!")),
                Arguments.of("cat \\$HOME \\* \\; \\> \\~ \\# x", List.of("cat", "$HOME", "*", ";", ">", "~", "#", "x")),
                Arguments.of("ls\ttouch x", List.of("ls", "touch", "x")),
                Arguments.of("ls 2", List.of("ls", "2")),
                Arguments.of("ls \\2\\>x", List.of("ls", "2>x")),
                Arguments.of("ls '2'\\>x", List.of("ls", "2>x")));
    }

    @ParameterizedTest
    @MethodSource("shouldAccept")
    void acceptsAndRunsExactlyTheArgvRead(String script, List<String> argv) throws IOException {
        CommandExecutionRequestApprovalParams params = request(script);
        assertThat(RULE.decide(params, context)).as(visible(script)).contains(CommandExecutionApprovalDecision.ACCEPT);
        assertThat(CommandRules.literalArgv(params)).contains(argv);
        assertRunsExactly(script, params);
    }

    // ---- scripts that must not be accepted ----

    static Stream<String> attacks() {
        return Stream.of(
                // operators
                "ls; touch x", "ls;touch x", "ls && touch x", "ls || touch x", "ls | touch x", "ls & touch x",
                "ls\ntouch x", "ls |& touch x", "ls &", "(ls)", "(ls; touch x)", "git status && git push",
                "ls -la; rm -rf x", "cat README.md | sh", "ls \\\\; touch x",
                // substitutions and expansions
                "ls $(touch x)", "ls `touch x`", "ls \"$(id)\"", "ls \"`id`\"", "git $(echo status)", "ls $X",
                "ls ${X:-a}", "ls $HOME", "ls \"$HOME\"", "ls $'\\x41'", "ls $\"x\"", "ls $((1+1))", "ls $1", "ls $@",
                "ls $'';touch x$", "cat <(id)", "cat >(id)",
                // globs, braces, tilde, history
                "ls *", "ls ?", "ls [a]*", "cat *.md", "ls a*", "ls {a,b}", "touch {allowed.txt,x}",
                "touch allowed.txt{,.x}", "ls ~", "ls ~/x", "ls !x", "! ls", "ls ^x",
                // redirections
                "ls > x", "ls >x", "ls >> x", "ls 2> x", "ls 2>&1", "ls &> x", "ls &>> x", "ls >| x", "cat <> x",
                "cat < README.md", "ls>x", "touch allowed.txt>x", "cat README.md > y", ">x ls", "ls >&2", "ls \\2>x",
                // assignments
                "X=1 ls", "PATH=/tmp ls", "GIT_DIR=x git status", "X+=1 ls", "LD_PRELOAD=x.so cat a.txt",
                // keywords and compound commands
                "time ls", "time -p ls", "if ls; then touch x; fi", "while ls; do break; done", "{ ls; }",
                "coproc ls", "function ls { touch x; }", "ls() { touch x; }", "[[ -e x ]]", "(( 1 ))",
                "case x in x) ls;; esac", "for f in a; do ls; done",
                // here-documents, comments, continuations
                "cat <<EOF\nx\nEOF", "cat <<'EOF'\nx\nEOF", "cat <<< x", "ls # x", "ls #; touch x", "ls a#b",
                "ls \\\n; touch x", "l\\\ns", "ls x\\",
                // quoting left open, controls, zsh's =word, interpreters and other programs
                "ls 'x", "ls \"x", "ls \u0001", "ls a\rb", "=ls", "sh -c ls", "bash -c 'ls'", "env ls", "xargs ls",
                "id", "rm -rf x", "touch x", "git push", "'ls $'\"'';touch x\"'$'", "\\ls; touch x", "'ls' && id");
    }

    @ParameterizedTest
    @MethodSource("attacks")
    void doesNotAcceptAttacks(String script) {
        assertThat(RULE.decide(request(script), context)).as(visible(script)).isEmpty();
    }

    /**
     * The harness is not blind: for each class of attack, the literal reading (characters taken as they are)
     * differs from what bash runs or writes.
     */
    static Stream<Arguments> attacksTheHarnessSees() {
        return Stream.of(
                Arguments.of("ls; touch x", List.of("ls;", "touch", "x")),
                Arguments.of("ls ; touch x", List.of("ls", ";", "touch", "x")),
                Arguments.of("ls | id", List.of("ls", "|", "id")),
                Arguments.of("ls $(id)", List.of("ls", "$(id)")),
                Arguments.of("ls `id`", List.of("ls", "`id`")),
                Arguments.of("ls $HOME", List.of("ls", "$HOME")),
                Arguments.of("ls $X", List.of("ls", "$X")),
                Arguments.of("ls *", List.of("ls", "*")),
                Arguments.of("ls {a,b}", List.of("ls", "{a,b}")),
                Arguments.of("ls ~", List.of("ls", "~")),
                Arguments.of("ls # x", List.of("ls", "#", "x")),
                Arguments.of("ls > out", List.of("ls", ">", "out")),
                Arguments.of("ls >> x", List.of("ls", ">>", "x")),
                Arguments.of("X=1 ls", List.of("X=1", "ls")),
                Arguments.of("ls \\\nx", List.of("ls", "\nx")),
                Arguments.of("cat <<< x", List.of("cat", "<<<", "x")));
    }

    @ParameterizedTest
    @MethodSource("attacksTheHarnessSees")
    void harnessSeesWhatTheAttackRuns(String script, List<String> literalReading) throws IOException {
        Observation seen = observe(script);
        assertThat(seen.programs().equals(List.of(literalReading)) && seen.changes().isEmpty())
                .as("%s: %s", visible(script), seen).isFalse();
    }

    // ---- fuzz: an allowed command word followed by random pieces ----

    private static final List<String> STARTS = List.of("ls", "ls", "cat", "cat", "git status", "git commit",
            "touch allowed.txt", "git", "git push", "touch", "touch x", "rm", "id", "sh -c", "env");
    private static final List<String> LITERALS = List.of("-la", "README.md", "a.txt", "x", "--", "-m", "a=b",
            "\u00e9", "%x", "1", "2", "@", "-s", "..", "/tmp", "out", "touch x", "rm -rf x", "id", "status", "push",
            "-c", "allowed.txt", "\u4e2d\ud83d\ude00");
    private static final List<String> ATTACK_PIECES = List.of(";", "&&", "||", "|", "&", "\n", "|&", "; touch x",
            "&& rm x", "| sh", "\nid", "$X", "$HOME", "${X}", "${X:-a}", "$(id)", "`id`", "\"$(id)\"", "$'x'",
            "$\"x\"", "$((1))", "$", "*", "?", "[ab]", "*.md", "a*", "{a,b}", "{,x}", "~", "~/x", ">x", "> x", ">>x",
            "<README.md", "2>&1", "&>x", "2>x", ">|x", "<>x", "#", "# x", "!", "!x", "\\\n", "<<EOF", "<<< x",
            "<(id)", "(id)", ")", "(", "=x", "^x", "\u0001", "'", "\"", "\\");
    private static final List<String> MODIFIERS = List.of("X=1 ", "time ", "! ", "{ ", "exec ", "command ",
            "(", "\\\n", "# ", "=");

    @Test
    void fuzzedAcceptsRunExactlyTheArgvRead() throws IOException {
        Random random = new Random(0x5eed_0003L);
        int generated = 700;
        int accepted = 0;
        Set<String> acceptedStarts = new TreeSet<>();
        for (int i = 0; i < generated; i++) {
            String script = randomScript(random);
            CommandExecutionRequestApprovalParams params = request(script);
            Optional<CommandExecutionApprovalDecision> decision = RULE.decide(params, context);
            if (decision.isEmpty()) {
                continue;
            }
            assertThat(decision).contains(CommandExecutionApprovalDecision.ACCEPT);
            accepted++;
            assertRunsExactly(script, params);
            List<String> argv = CommandRules.literalArgv(params).orElseThrow();
            acceptedStarts.add(argv.get(0).equals("git") || argv.get(0).equals("touch")
                    ? argv.get(0) + " " + argv.get(1) : argv.get(0));
        }
        // not vacuous: many accepts ran, every prefix among them, and the generator produced many refusals
        assertThat(accepted).as("fuzzed scripts accepted and run").isGreaterThanOrEqualTo(150);
        assertThat(generated - accepted).as("fuzzed scripts not accepted").isGreaterThanOrEqualTo(200);
        assertThat(acceptedStarts).containsExactlyInAnyOrder("ls", "cat", "git status", "git commit",
                "touch allowed.txt");
    }

    private static String randomScript(Random random) {
        StringBuilder s = new StringBuilder();
        if (random.nextInt(10) == 0) {
            s.append(pick(random, MODIFIERS));
        }
        s.append(pick(random, STARTS));
        int pieces = random.nextInt(5);
        for (int p = 0; p < pieces; p++) {
            int gap = random.nextInt(20);
            s.append(gap == 0 ? "" : gap == 1 ? "\t" : " ");
            int kind = random.nextInt(100);
            if (kind < 35) {
                s.append(pick(random, LITERALS));
            } else if (kind < 50) {
                s.append('\'').append(ShellTestSupport.randomString(random,
                        HOSTILE.stream().filter(c -> !c.equals("'")).toList(), 6)).append('\'');
            } else if (kind < 65) {
                s.append('"').append(doubleQuotedContent(random)).append('"');
            } else if (kind < 75) {
                s.append('\\').append(pick(random, HOSTILE));
            } else {
                s.append(pick(random, ATTACK_PIECES));
            }
        }
        return s.toString();
    }

    /** Hostile characters for inside {@code "…"}: {@code "} escaped, {@code \ $ `} escaped or (rarely) bare. */
    private static String doubleQuotedContent(Random random) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(7);
        for (int i = 0; i < length; i++) {
            String c = pick(random, HOSTILE);
            if (c.equals("\"")) {
                s.append("\\\"");
            } else if (c.equals("\\") || c.equals("$") || c.equals("`")) {
                s.append(random.nextInt(5) == 0 ? "" : "\\").append(c);
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    // ---- the request, and running a script under bash ----

    /** The real request, its command line the codex-like quoting of {@code [/bin/bash, -lc, script]}. */
    private CommandExecutionRequestApprovalParams request(String script) {
        List<String> argv = List.of("/bin/bash", "-lc", script);
        ObjectNode params = realParams.deepCopy();
        params.put("command", ShellTestSupport.join(ShellTestSupport::codexQuoted, argv));
        params.put("cwd", temp.toString());
        ArrayNode amendment = params.putArray("proposedExecpolicyAmendment");
        argv.forEach(amendment::add);
        params.putArray("commandActions").addObject().put("type", "unknown").put("command", script);
        try {
            return context.mapper().treeToValue(params, CommandExecutionRequestApprovalParams.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** What a run did: the programs started (argv, program by name), files changed, exit code and stderr. */
    private record Observation(List<List<String>> programs, Set<String> changes, int exitCode, String stderr) {}

    private void assertRunsExactly(String script, CommandExecutionRequestApprovalParams params) throws IOException {
        List<String> argv = CommandRules.literalArgv(params).orElseThrow();
        assertThat(PREFIXES).as(visible(script))
                .anyMatch(p -> argv.size() >= p.size() && argv.subList(0, p.size()).equals(p));
        Observation seen = observe(script);
        assertThat(seen.programs()).as("programs run by %s", visible(script)).containsExactly(argv);
        assertThat(seen.changes()).as("files written by %s", visible(script)).isEmpty();
        assertThat(seen.stderr()).as("stderr of %s", visible(script)).isEmpty();
        assertThat(seen.exitCode()).as("exit code of %s", visible(script)).isZero();
    }

    /**
     * Runs {@code script} under {@code /bin/bash --noprofile --norc} in a fresh directory: {@code bin/} of
     * recording shims as the whole PATH, {@code home/} as HOME, {@code work/} as the working directory, nothing
     * else in the environment. codex runs {@code bash -lc}; the {@code -l} is left out here because the login
     * profile ({@code /etc/profile}) resets PATH, which would take the shims away.
     */
    private Observation observe(String script) throws IOException {
        Path root = Files.createTempDirectory(temp, "run");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path home = Files.createDirectories(root.resolve("home"));
        Path work = Files.createDirectories(root.resolve("work"));
        Path scratch = Files.createDirectories(root.resolve("scratch"));
        Path log = root.resolve("log");
        for (String program : PROGRAMS) {
            // one NUL-terminated record per run: the number of arguments, $0 (the shim's path), the arguments
            Path shim = bin.resolve(program);
            Files.writeString(shim, "#!/bin/sh\nprintf '%s\\0' \"$#\" \"$0\" \"$@\" >> \"$LOG\"\n");
            Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (String name : WORK_FILES) {
            Files.writeString(work.resolve(name), name + "\n");
        }
        Files.writeString(home.resolve(".profile"), "profile\n");
        Map<String, String> before = snapshot(root, log, scratch);

        List<String> command = ShellTestSupport.shellCommand(List.of("/bin/bash", "--noprofile", "--norc"), script,
                scratch.resolve("script"));
        ShellTestSupport.Result result = ShellTestSupport.run(command, work,
                Map.of("PATH", bin.toString(), "HOME", home.toString(), "LOG", log.toString()), scratch);

        Map<String, String> after = snapshot(root, log, scratch);
        Set<String> changes = new TreeSet<>();
        before.forEach((path, content) -> {
            if (!content.equals(after.get(path))) {
                changes.add(path);
            }
        });
        after.keySet().stream().filter(path -> !before.containsKey(path)).forEach(changes::add);
        byte[] records = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        return new Observation(programs(records), changes, result.exitCode(), result.stderr());
    }

    /** Every file and directory under {@code root} but the log and scratch, with its content. */
    private static Map<String, String> snapshot(Path root, Path log, Path scratch) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.filter(p -> !p.equals(log) && !p.startsWith(scratch)).toList()) {
                files.put(root.relativize(path).toString(), Files.isDirectory(path) ? "<dir>"
                        : new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1));
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return files;
    }

    /** The shims' records: each program's argv, its name the base name of the shim that ran. */
    private static List<List<String>> programs(byte[] records) {
        List<String> fields = ShellTestSupport.nulTerminated(records);
        List<List<String>> programs = new ArrayList<>();
        int i = 0;
        while (i < fields.size()) {
            int count = Integer.parseInt(fields.get(i));
            assertThat(i + 2 + count).as("a complete record in %s", fields).isLessThanOrEqualTo(fields.size());
            List<String> argv = new ArrayList<>();
            argv.add(ShellSyntax.baseName(fields.get(i + 1)));
            argv.addAll(fields.subList(i + 2, i + 2 + count));
            programs.add(argv);
            i += 2 + count;
        }
        return programs;
    }
}

package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.approval.ShellTestSupport.HOSTILE;
import static dev.codex4j.appserver.approval.ShellTestSupport.PLAIN;
import static dev.codex4j.appserver.approval.ShellTestSupport.pick;
import static dev.codex4j.appserver.approval.ShellTestSupport.visible;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.approval.ShellSyntax.Command;
import dev.codex4j.appserver.approval.ShellSyntax.Script;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(120)
class ShellSyntaxTest {

    // ---- the command lines real codex 0.169.0 sent: always [/bin/bash, -lc, SCRIPT], quoted by shlex ----

    static Stream<Arguments> recorded() {
        return Stream.of(
                Arguments.of("/bin/bash -lc ls", "ls", List.of(List.of("ls"))),
                Arguments.of("/bin/bash -lc \"git commit -m 'fix bug'\"", "git commit -m 'fix bug'",
                        List.of(List.of("git", "commit", "-m", "fix bug"))),
                Arguments.of("/bin/bash -lc 'echo a\necho b'", "echo a\necho b",
                        List.of(List.of("echo", "a"), List.of("echo", "b"))));
    }

    @ParameterizedTest
    @MethodSource("recorded")
    void readsRecordedCodexCommandLinesExactly(String line, String script, List<List<String>> commands) {
        assertThat(ShellSyntax.words(line)).contains(List.of("/bin/bash", "-lc", script));
        assertThat(ShellSyntax.wrappedScript(List.of("/bin/bash", "-lc", script))).contains(script);
        Script read = ShellSyntax.parse(script);
        assertThat(read.readable()).isTrue();
        assertThat(read.commands()).extracting(Command::argv).isEqualTo(commands);
        assertThat(ShellSyntax.words(script)).isEqualTo(
                commands.size() == 1 ? Optional.of(commands.get(0)) : Optional.empty());
        // the test's codex-like quoter writes these lines exactly as codex did
        assertThat(ShellTestSupport.join(ShellTestSupport::codexQuoted, List.of("/bin/bash", "-lc", script)))
                .isEqualTo(line);
    }

    /** Recorded lines whose script is not literal: the line reads exactly, the script is a doubt. */
    static Stream<Arguments> recordedDoubts() {
        return Stream.of(
                Arguments.of("/bin/bash -lc \"echo \\\"it's\\\" \"'$HOME'", "echo \"it's\" $HOME"),
                Arguments.of("/bin/bash -lc 'ls $'\"'x'\"", "ls $'x'"),
                Arguments.of("/bin/bash -lc \"echo '\"'!x'\"' \\\\\\\\ \"'`y`'", "echo '!x' \\\\ `y`"));
    }

    @ParameterizedTest
    @MethodSource("recordedDoubts")
    void readsRecordedLinesWhoseScriptIsADoubt(String line, String script) {
        List<String> argv = ShellSyntax.words(line).orElseThrow();
        assertThat(argv).containsExactly("/bin/bash", "-lc", script);
        assertThat(ShellSyntax.wrappedScript(argv)).contains(script);
        assertThat(ShellSyntax.parse(script).readable()).isFalse();
        assertThat(ShellSyntax.words(script)).isEmpty();
        assertThat(ShellTestSupport.join(ShellTestSupport::codexQuoted, argv)).isEqualTo(line);
    }

    // ---- constructs that are never read as literal words ----

    static Stream<String> doubts() {
        return Stream.of(
                "git push $X", "git ${U:-push}", "git $\"push\"", "git $'push'", "git `id`", "git $(id)",
                "git \"$(id)\"", "git \"`id`\"", "git pus?", "ls *", "ls [a]", "git {push,}", "ls ~", "ls ~/x",
                "ls a~", "! ls", "ls !x", "ls # x", "ls a#b", "time -p rm x", "function f", "function f { rm x; }",
                "coproc rm x", "if true; then rm x; fi", "while ls; do rm x; done", "case x in x) rm x;; esac",
                "cat <<EOF\nrm x\nEOF", "cat <<< x", "cat <(x)", "diff >(x) y", "(( 1 ))", "ls \\\nx", "ls x\\",
                "ls 'x", "ls \"x", "ls \"x\\\"", "ls \u0001", "ls a\rb", "ls \u007f", "=ls", "ls; =ls", "f() (rm x)",
                "f () { rm x; }", "ls @(x)", "ls ^x", "[[ -e x ]]", "{ ls; }", "ls >", "ls > $X", "ls 10>x",
                "ls 09<x", "ls 99999999999>x",
                "ls " + "a".repeat(ShellSyntax.MAX_CHARS));
    }

    @ParameterizedTest
    @MethodSource("doubts")
    void doubts(String script) {
        assertThat(ShellSyntax.parse(script).readable()).as(visible(script)).isFalse();
        assertThat(ShellSyntax.words(script)).as(visible(script)).isEmpty();
        // the same inside a codex command line: the line reads, the script does not
        String line = ShellTestSupport.join(ShellTestSupport::codexQuoted, List.of("/bin/bash", "-lc", script));
        if (line.length() <= ShellSyntax.MAX_CHARS) {
            assertThat(ShellSyntax.words(line)).contains(List.of("/bin/bash", "-lc", script));
        }
    }

    /** Readable, but more than one simple command of words: never an argv. */
    @ParameterizedTest
    @ValueSource(strings = {"ls; rm x", "ls && rm x", "ls || rm x", "ls | rm x", "ls & rm x", "ls |& rm x",
            "ls\nrm x", "(ls)", "ls > x", "ls >> x", "ls < x", "ls 2>&1", "ls &> x", "ls >| x", "X=1 ls",
            "X+=1 ls", "ls &", ""})
    void notOneCommand(String script) {
        assertThat(ShellSyntax.parse(script).readable()).as(visible(script)).isTrue();
        assertThat(ShellSyntax.words(script)).as(visible(script)).isEmpty();
    }

    @Test
    void textOverTheLimitIsNotReadAtAll() {
        String script = "ls " + "a".repeat(ShellSyntax.MAX_CHARS - 3);
        assertThat(ShellSyntax.words(script)).isPresent();
        assertThat(ShellSyntax.parse(script + "a").readable()).isFalse();
        assertThat(ShellSyntax.parse(script + "a").commands()).isEmpty();
    }

    // ---- quoting round trip: any argv, quoted in any correct style, reads back exactly ----

    private static final List<Map.Entry<String, UnaryOperator<String>>> STYLES = List.of(
            Map.<String, UnaryOperator<String>>entry("single", ShellTestSupport::singleQuoted),
            Map.<String, UnaryOperator<String>>entry("codex", ShellTestSupport::codexQuoted),
            Map.<String, UnaryOperator<String>>entry("backslash", ShellTestSupport::backslashed),
            Map.<String, UnaryOperator<String>>entry("double", ShellTestSupport::doubleQuoted));

    @Test
    void everyQuotingStyleReadsBackToTheArgv() {
        Random random = new Random(0x5eed_0001L);
        int cases = 600;
        for (int i = 0; i < cases; i++) {
            List<String> argv = randomArgv(random);
            for (Map.Entry<String, UnaryOperator<String>> style : STYLES) {
                String quoted = ShellTestSupport.join(style.getValue(), argv);
                assertThat(ShellSyntax.words(quoted))
                        .as("%s-quoted %s: %s", style.getKey(), argv.stream().map(ShellTestSupport::visible).toList(),
                                visible(quoted))
                        .contains(argv);
            }
            // and inside a codex command line, the shell's script reads back as its argv too
            String script = ShellTestSupport.join(ShellTestSupport::codexQuoted, argv);
            String line = ShellTestSupport.join(ShellTestSupport::codexQuoted, List.of("/bin/bash", "-lc", script));
            assertThat(ShellSyntax.words(line).flatMap(ShellSyntax::wrappedScript).flatMap(ShellSyntax::words))
                    .as(visible(line)).contains(argv);
        }
    }

    private static List<String> randomArgv(Random random) {
        List<String> argv = new ArrayList<>();
        int words = 1 + random.nextInt(5);
        for (int w = 0; w < words; w++) {
            argv.add(ShellTestSupport.randomString(random, random.nextInt(4) == 0 ? PLAIN : HOSTILE, 8));
        }
        return argv;
    }

    // ---- differential: what the reader reads is what bash and dash pass to a program ----

    @TempDir
    Path temp;

    @Test
    void literalWordsReadAsRealShellsPassThem() throws IOException {
        Path emptyPath = Files.createDirectories(temp.resolve("empty-path"));
        Path home = Files.createDirectories(temp.resolve("home"));
        Path cwd = Files.createDirectories(temp.resolve("cwd"));
        Path scratch = Files.createDirectories(temp.resolve("scratch"));
        // something for globs, tilde and parameters to expand to, had the reader taken them as literal
        for (String name : List.of("a", "b", "x", "push", "README.md")) {
            Files.writeString(cwd.resolve(name), name);
        }
        Map<String, String> env = Map.of("PATH", emptyPath.toString(), "HOME", home.toString());
        List<List<String>> shells = new ArrayList<>();
        shells.add(List.of("/bin/bash", "--noprofile", "--norc"));
        shells.add(List.of("/bin/sh")); // dash on Debian
        for (String zsh : List.of("/bin/zsh", "/usr/bin/zsh")) {
            if (Files.isExecutable(Path.of(zsh))) {
                shells.add(List.of(zsh, "-f"));
                break;
            }
        }

        Random random = new Random(0x5eed_0002L);
        int generated = 700;
        int compared = 0;
        for (int i = 0; i < generated; i++) {
            String s = randomShellText(random);
            Optional<List<String>> words = ShellSyntax.words(s);
            if (words.isEmpty()) {
                continue;
            }
            compared++;
            for (List<String> shell : shells) {
                List<String> command = ShellTestSupport.shellCommand(shell, "printf '%s\\0' " + s,
                        scratch.resolve("script"));
                ShellTestSupport.Result result = ShellTestSupport.run(command, cwd, env, scratch);
                assertThat(ShellTestSupport.nulTerminated(result.stdout()))
                        .as("%s on %s (stderr: %s)", shell.get(0), visible(s), result.stderr())
                        .isEqualTo(words.get());
                assertThat(result.exitCode()).as("%s on %s", shell.get(0), visible(s)).isZero();
            }
        }
        // not vacuous: a good share of the generated text was read, and each of those ran in every shell
        assertThat(compared).as("texts compared").isGreaterThanOrEqualTo(400);
        assertThat(compared).as("texts compared").isLessThan(generated);
    }

    /**
     * Around redirections too, the words read are the words the shell passes: a digit right before {@code <} or
     * {@code >} names a file descriptor, anywhere else (before {@code &>}, quoted, part of a longer word) it is an
     * argument. Text with {@code &>} runs in bash only: dash reads it as {@code &} and {@code >}.
     */
    @ParameterizedTest
    @ValueSource(strings = {"1>out b", "b 1>>out", "b 1>|out", ">out 1", "1&>out", "2&>out b", "3&>>out",
            "'1'>out", "\\1>out", "x1>out", "1\\2>out", "&>out 2", "1<&0 >out 2", "b 2>&1 3>out >out"})
    void wordsAroundRedirectionsAsShellsReadThem(String redirections) throws IOException {
        String script = "printf '%s\\0' a " + redirections;
        Script read = ShellSyntax.parse(script);
        assertThat(read.readable()).isTrue();
        assertThat(read.commands()).hasSize(1);
        List<String> argv = read.commands().get(0).argv();
        Path cwd = Files.createDirectories(temp.resolve("cwd"));
        Path scratch = Files.createDirectories(temp.resolve("scratch"));
        Map<String, String> env = Map.of("PATH", Files.createDirectories(temp.resolve("empty-path")).toString());
        List<List<String>> shells = script.contains("&>") ? List.of(List.of("/bin/bash", "--noprofile", "--norc"))
                : List.of(List.of("/bin/bash", "--noprofile", "--norc"), List.of("/bin/sh"));
        for (List<String> shell : shells) {
            Files.deleteIfExists(cwd.resolve("out"));
            ShellTestSupport.Result result = ShellTestSupport.run(
                    ShellTestSupport.shellCommand(shell, script, scratch.resolve("script")), cwd, env, scratch);
            assertThat(result.exitCode()).as(result.stderr()).isZero();
            assertThat(ShellTestSupport.nulTerminated(Files.readAllBytes(cwd.resolve("out"))))
                    .as("%s on %s", shell.get(0), script).isEqualTo(argv.subList(2, argv.size()));
        }
    }

    /**
     * Shell text biased towards literal words: plain runs, single and double quotes with hostile content,
     * backslash escapes, and now and then a bare hostile character (which mostly makes the text a doubt), often
     * at the start of a word.
     */
    private static String randomShellText(Random random) {
        StringBuilder s = new StringBuilder();
        int words = 1 + random.nextInt(4);
        for (int w = 0; w < words; w++) {
            if (w > 0 || random.nextInt(8) == 0) {
                s.append(pick(random, List.of(" ", " ", "\t", "  ")));
            }
            int segments = 1 + random.nextInt(3);
            for (int g = 0; g < segments; g++) {
                int kind = random.nextInt(100);
                if (kind < 30) {
                    s.append(ShellTestSupport.randomString(random, PLAIN, 4));
                } else if (kind < 52) {
                    s.append('\'').append(ShellTestSupport.randomString(random,
                            HOSTILE.stream().filter(c -> !c.equals("'")).toList(), 6)).append('\'');
                } else if (kind < 74) {
                    s.append('"').append(doubleQuotedContent(random)).append('"');
                } else if (kind < 86) {
                    s.append('\\').append(pick(random, HOSTILE));
                } else {
                    // bare: often a character whose meaning depends on where in a word it stands
                    s.append(pick(random, random.nextBoolean() ? HOSTILE : POSITIONAL));
                }
            }
        }
        return s.toString();
    }

    /** Literal in some places and not in others (a word's start, after {@code =}, next to a brace…). */
    private static final List<String> POSITIONAL = List.of("#", "~", "=", "!", "{", "}", "^", "%", "@", ",", ":",
            "+", "-", "]");

    /** Hostile characters for inside {@code "…"}: {@code "} escaped, {@code \ $ `} escaped or (rarely) bare. */
    private static String doubleQuotedContent(Random random) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(7);
        for (int i = 0; i < length; i++) {
            String c = pick(random, HOSTILE);
            if (c.equals("\"")) {
                s.append("\\\"");
            } else if (c.equals("\\") || c.equals("$") || c.equals("`")) {
                s.append(random.nextInt(6) == 0 ? "" : "\\").append(c);
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }
}

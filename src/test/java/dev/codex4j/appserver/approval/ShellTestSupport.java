package dev.codex4j.appserver.approval;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Shared by the shell differential tests: a hostile alphabet, quoting styles written independently of
 * {@link ShellSyntax}, and running a real shell with a bounded wait.
 */
final class ShellTestSupport {

    private ShellTestSupport() {}

    /**
     * Characters that mean something to some shell, blanks, controls (valid inside quotes only), and non-ASCII
     * text, including characters whose UTF-8 has the bytes dash and bash use as internal markers (0x81…0x88,
     * 0x01, 0x7f) and one outside the BMP. Code points as strings, so a surrogate pair is never split.
     */
    static final List<String> HOSTILE = List.of(
            "'", "\"", "\\", "$", "`", "!", "*", "?", "[", "]", "{", "}", "~", "#", ";", "&", "|", "<", ">", "(",
            ")", " ", "\t", "\n", "=", "^", "%", "+", ",", "-", ".", "/", ":", "@", "_",
            "\u0001", "\u001f", "\u007f", "\r",
            "\u00e9", "\u0101", "\u0202", "\u0088", "\u00a0", "\u00df", "\u20ac", "\u4e2d", "\u2028", "\ud83d\ude00",
            "a", "b", "c", "x", "y", "z", "A", "Z", "0", "1", "2");

    /** Characters that every shell reads as themselves, unquoted, anywhere in a word but its start ({@code =}). */
    static final List<String> PLAIN = List.of("a", "b", "c", "l", "s", "x", "y", "z", "A", "Z", "0", "1", "2", "-",
            ".", "_", "/", ":", ",", "@", "%", "+", "=", "\u00e9", "\u0101", "\u20ac", "\u4e2d", "\ud83d\ude00");

    /** Words bash reads as reserved when unquoted and first: a quoter must not leave them bare. */
    private static final Set<String> RESERVED = Set.of("case", "coproc", "do", "done", "elif", "else", "esac", "fi",
            "for", "function", "if", "in", "select", "then", "time", "until", "while");

    static String pick(Random random, List<String> from) {
        return from.get(random.nextInt(from.size()));
    }

    static String randomString(Random random, List<String> alphabet, int maxLength) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(maxLength + 1);
        for (int i = 0; i < length; i++) {
            s.append(pick(random, alphabet));
        }
        return s.toString();
    }

    // ---- quoting styles: each turns any word without NUL into shell text that means exactly that word ----

    /** Everything in single quotes; a {@code '} as {@code '\''}. */
    static String singleQuoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** Everything in double quotes, escaping {@code " \ $ `}. */
    static String doubleQuoted(String word) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : word.toCharArray()) {
            if (c == '"' || c == '\\' || c == '$' || c == '`') {
                s.append('\\');
            }
            s.append(c);
        }
        return s.append('"').toString();
    }

    /**
     * Every character behind a backslash, except a newline: backslash-newline is a line continuation (it
     * vanishes), so a newline goes in single quotes.
     */
    static String backslashed(String word) {
        if (word.isEmpty()) {
            return "''";
        }
        StringBuilder s = new StringBuilder();
        for (char c : word.toCharArray()) {
            if (c == '\n') {
                s.append("'\n'");
            } else {
                s.append('\\').append(c);
            }
        }
        return s.toString();
    }

    private static final int BARE = 1;
    private static final int SINGLE = 2;
    private static final int DOUBLE = 4;

    /**
     * Like codex (Rust {@code shlex}): the word is cut into the longest chunks that one style can hold, preferring
     * bare, then single, then double quotes; a {@code '} needs double quotes, {@code $ ` !} need single quotes,
     * and double quotes escape {@code "} and {@code \}. Reproduces the recorded codex command lines (see
     * {@code ShellSyntaxTest}). Unlike shlex it also quotes a bare reserved word.
     */
    static String codexQuoted(String word) {
        if (word.isEmpty()) {
            return "''";
        }
        if (RESERVED.contains(word)) {
            return singleQuoted(word);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        while (start < word.length()) {
            int ok = BARE | SINGLE | DOUBLE;
            int end = start;
            while (end < word.length()) {
                int next = ok & styles(word.charAt(end));
                if (next == 0) {
                    break;
                }
                ok = next;
                end++;
            }
            String chunk = word.substring(start, end);
            if ((ok & BARE) != 0) {
                out.append(chunk);
            } else if ((ok & SINGLE) != 0) {
                out.append('\'').append(chunk).append('\'');
            } else {
                out.append('"').append(chunk.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
            start = end;
        }
        return out.toString();
    }

    private static int styles(char c) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-_./:,@%+".indexOf(c) >= 0) {
            return BARE | SINGLE | DOUBLE;
        }
        if (c == '\'') {
            return DOUBLE;
        }
        if (c == '$' || c == '`' || c == '!') {
            return SINGLE;
        }
        return SINGLE | DOUBLE;
    }

    /** The words quoted one by one with {@code style}, joined by spaces. */
    static String join(UnaryOperator<String> style, List<String> argv) {
        List<String> quoted = new ArrayList<>();
        argv.forEach(w -> quoted.add(style.apply(w)));
        return String.join(" ", quoted);
    }

    // ---- running a shell ----

    /**
     * {@code true} if the JVM passes arguments to a process as UTF-8; otherwise (a JVM started in the C locale)
     * non-ASCII characters would arrive as {@code ?} and a script must go through a file instead.
     */
    private static final boolean UTF8_ARGS = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));

    /**
     * {@code shell [options] -c script}, or, when arguments are not passed as UTF-8, {@code shell [options] file}
     * with the script written to {@code scratch} (the shell reads a script file with the same lexer).
     */
    static List<String> shellCommand(List<String> shellAndOptions, String script, Path scratch) {
        List<String> command = new ArrayList<>(shellAndOptions);
        if (UTF8_ARGS) {
            command.add("-c");
            command.add(script);
        } else {
            try {
                Files.writeString(scratch, script, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            command.add(scratch.toString());
        }
        return command;
    }

    /** What a process wrote and how it ended. */
    record Result(int exitCode, byte[] stdout, String stderr) {}

    /**
     * Runs {@code command} in {@code cwd} with exactly {@code env}, stdin from {@code /dev/null}, stdout and
     * stderr into files under {@code scratch}; waits at most 10 seconds, then kills it and fails.
     */
    static Result run(List<String> command, Path cwd, Map<String, String> env, Path scratch) {
        Path out = scratch.resolve("stdout");
        Path err = scratch.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            Process process = builder.start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("timed out: " + command);
            }
            return new Result(process.exitValue(), Files.readAllBytes(out),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** The NUL-terminated strings of {@code bytes} ({@code printf '%s\0' …}), as UTF-8. */
    static List<String> nulTerminated(byte[] bytes) {
        List<String> strings = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                strings.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start != bytes.length) {
            strings.add("<unterminated>" + new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
        }
        return strings;
    }

    /** For messages: the text with controls and non-ASCII made visible. */
    static String visible(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u{%x}", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}

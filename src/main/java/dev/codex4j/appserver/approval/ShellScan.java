package dev.codex4j.appserver.approval;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a shell command the way a declining rule needs: conservatively. It finds every simple command the
 * shell might run, also behind {@code ; && || | &}, newlines, subshells, {@code $(…)}, backticks, process
 * substitutions and inside quoted words (a quoted word may be a script for {@code bash -c}, {@code ssh},
 * {@code python -c}…). It errs towards finding too much: a mere mention ({@code echo 'rm -rf'}) counts too.
 *
 * <p>Where the shell would decide only at run time what to run (a command name built from {@code $VAR},
 * {@code $(…)}, a glob or a brace expansion, or any such word given to a wrapper like {@code sudo},
 * {@code env}, {@code xargs}, {@code eval}, {@code bash -c}), the scan is {@link #doubtful()}.
 *
 * <p>Not a shell parser: accepting rules use the strict {@link CommandRules#plainWords} instead.
 */
final class ShellScan {

    /** Deeper nesting than any real command: give up, doubtfully. */
    private static final int MAX_DEPTH = 16;

    /** Words that may precede the command name without being it. */
    private static final Set<String> RESERVED = Set.of("!", "{", "}", "if", "then", "else", "elif", "fi", "do",
            "done", "while", "until", "time");

    /** Commands that run another command or script given as their arguments. */
    private static final Set<String> WRAPPERS = Set.of("sudo", "doas", "su", "runuser", "env", "nohup", "nice",
            "ionice", "chrt", "taskset", "time", "timeout", "exec", "command", "builtin", "xargs", "parallel",
            "watch", "stdbuf", "setsid", "chroot", "flock", "unbuffer", "script", "nsenter", "unshare",
            "systemd-run", "eval", "alias", "source", ".", "sh", "bash", "zsh", "dash", "ksh", "mksh", "fish",
            "busybox", "ssh");

    private static final Pattern ASSIGNMENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*\\+?=.*", Pattern.DOTALL);
    private static final Pattern BRACE_EXPANSION = Pattern.compile("\\{[^{}]*(?:,|\\.\\.)[^{}]*}");
    private static final String SPECIAL = " \t\n;&|()<>`$'\"\\*?[{=";

    private final List<List<String>> commands = new ArrayList<>();
    private boolean doubtful;

    private ShellScan() {}

    /** Scans {@code script} as shell code. */
    static ShellScan of(String script) {
        ShellScan scan = new ShellScan();
        scan.scan(script, true, 0);
        return scan;
    }

    /** Every simple command found, as words with quotes removed. */
    List<List<String>> commands() {
        return commands;
    }

    /** {@code true} if what runs depends on values only known at run time. */
    boolean doubtful() {
        return doubtful;
    }

    private record Word(String text, boolean quoted, boolean dynamic) {}

    /**
     * @param code {@code true} if the shell runs {@code text}; {@code false} for literal text that some other
     *     program may or may not run (then it is only searched for commands, never doubted)
     */
    private void scan(String text, boolean code, int depth) {
        if (depth > MAX_DEPTH) {
            doubtful |= code;
            return;
        }
        new Lexer(text, code, depth).run();
    }

    /** Splits one piece of shell text into simple commands, scanning what it nests as it goes. */
    private final class Lexer {
        private final String text;
        private final boolean code;
        private final int depth;
        private final int n;
        private final List<Word> words = new ArrayList<>();
        private final List<Word> targets = new ArrayList<>();
        private final StringBuilder word = new StringBuilder();
        private final StringBuilder unquoted = new StringBuilder();
        private boolean inWord;
        private boolean quoted;
        private boolean dynamic;
        private boolean redirectTarget;

        Lexer(String text, boolean code, int depth) {
            this.text = text;
            this.code = code;
            this.depth = depth;
            this.n = text.length();
        }

        void run() {
            int i = 0;
            while (i < n) {
                char c = text.charAt(i);
                if (c == '\\') {
                    if (i + 1 < n && text.charAt(i + 1) != '\n') { // backslash-newline just joins lines
                        word.append(text.charAt(i + 1));
                        inWord = true;
                        quoted = true;
                    }
                    i += 2;
                } else if (c == '\'') {
                    int end = indexOrEnd('\'', i + 1);
                    word.append(text, i + 1, end);
                    inWord = true;
                    quoted = true;
                    i = end + 1;
                } else if (c == '"') {
                    i = doubleQuoted(i + 1);
                } else if (c == '$' || c == '`') {
                    i = expansion(i, false);
                } else if (c == '<' || c == '>' || (c == '&' && i + 1 < n && text.charAt(i + 1) == '>')) {
                    i = redirection(i);
                } else if (";&|()\n".indexOf(c) >= 0) {
                    endCommand();
                    i++;
                } else if (Character.isWhitespace(c)) {
                    endWord();
                    i++;
                } else {
                    word.append(c);
                    unquoted.append(c);
                    inWord = true;
                    i++;
                }
            }
            endCommand();
        }

        /** From just after an opening {@code "}; returns the index after the closing one. */
        private int doubleQuoted(int start) {
            inWord = true;
            quoted = true;
            int i = start;
            while (i < n && text.charAt(i) != '"') {
                char c = text.charAt(i);
                if (c == '\\' && i + 1 < n) {
                    char next = text.charAt(i + 1);
                    if ("$`\"\\".indexOf(next) >= 0) {
                        word.append(next);
                    } else if (next != '\n') {
                        word.append(c).append(next);
                    }
                    i += 2;
                } else if (c == '$' || c == '`') {
                    i = expansion(i, true);
                } else {
                    word.append(c);
                    i++;
                }
            }
            return i + 1;
        }

        /** At a {@code $} or backtick; returns the index after the expansion. */
        private int expansion(int i, boolean inDoubleQuotes) {
            char c = text.charAt(i);
            char next = i + 1 < n ? text.charAt(i + 1) : 0;
            inWord = true;
            if (c == '`') {
                int end = i + 1;
                while (end < n && text.charAt(end) != '`') {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end, n);
                dynamic = true;
                scan(text.substring(i + 1, end), code, depth + 1);
                return end + 1;
            } else if (next == '(') {
                int end = closing(i + 1, '(', ')');
                dynamic = true;
                boolean arithmetic = i + 2 < n && text.charAt(i + 2) == '(';
                scan(text.substring(i + 2, end), code && !arithmetic, depth + 1); // $(…) runs
                return end + 1;
            } else if (next == '{') {
                int end = closing(i + 1, '{', '}');
                dynamic = true;
                scan(text.substring(i + 2, end), false, depth + 1); // ${x:-$(…)} may hide a substitution
                return end + 1;
            } else if (next == '\'' && !inDoubleQuotes) {
                int end = i + 2; // $'…': C escapes can spell any name
                while (end < n && text.charAt(end) != '\'') {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end, n);
                word.append(text, i + 2, end);
                quoted = true;
                dynamic = true;
                return end + 1;
            } else if ((next == '"' && !inDoubleQuotes) || Character.isLetterOrDigit(next)
                    || "_@*#?$!-".indexOf(next) >= 0) {
                dynamic = true; // $VAR, $1, $"…"
                word.append(c);
                return i + 1;
            }
            word.append(c);
            return i + 1;
        }

        /** At {@code <}, {@code >} or {@code &>}; returns the index after the operator. */
        private int redirection(int i) {
            if (inWord && !quoted && !word.isEmpty() && word.chars().allMatch(Character::isDigit)) {
                resetWord(); // a file descriptor number: 2>/dev/null
            } else {
                endWord();
            }
            int end = i + 1;
            if (text.charAt(i) != '&' && end < n && text.charAt(end) == '(') {
                int close = closing(end, '(', ')'); // <(…) and >(…) run
                scan(text.substring(end + 1, close), code, depth + 1);
                return close + 1;
            }
            while (end < n && "<>&|".indexOf(text.charAt(end)) >= 0) {
                end++;
            }
            redirectTarget = true;
            return end;
        }

        /** The index of the bracket closing the one at {@code open}, skipping quotes; {@code n} if none. */
        private int closing(int open, char opening, char closingChar) {
            int nesting = 0;
            for (int i = open; i < n; i++) {
                char c = text.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == '\'') {
                    i = indexOrEnd('\'', i + 1);
                } else if (c == '"') {
                    i++;
                    while (i < n && text.charAt(i) != '"') {
                        i += text.charAt(i) == '\\' ? 2 : 1;
                    }
                } else if (c == opening) {
                    nesting++;
                } else if (c == closingChar && --nesting == 0) {
                    return i;
                }
            }
            return n;
        }

        private int indexOrEnd(char c, int from) {
            int index = text.indexOf(c, from);
            return index < 0 ? n : index;
        }

        private void endWord() {
            if (inWord) {
                boolean expands = dynamic || unquoted.chars().anyMatch(ch -> "*?[".indexOf(ch) >= 0)
                        || BRACE_EXPANSION.matcher(unquoted).find();
                // a redirection's target is a file name (or here-string), never the command name
                (redirectTarget ? targets : words).add(new Word(word.toString(), quoted, expands));
                redirectTarget = false;
            }
            resetWord();
        }

        private void resetWord() {
            word.setLength(0);
            unquoted.setLength(0);
            inWord = false;
            quoted = false;
            dynamic = false;
        }

        private void endCommand() {
            endWord();
            redirectTarget = false;
            if (!words.isEmpty() || !targets.isEmpty()) {
                simpleCommand(List.copyOf(words), List.copyOf(targets));
                words.clear();
                targets.clear();
            }
        }

        private void simpleCommand(List<Word> argv, List<Word> redirections) {
            if (!argv.isEmpty()) {
                commands.add(argv.stream().map(Word::text).toList());
            }
            int name = 0;
            while (name < argv.size() && (ASSIGNMENT.matcher(argv.get(name).text()).matches()
                    || RESERVED.contains(argv.get(name).text()))) {
                name++;
            }
            boolean wrapper = false;
            if (name < argv.size()) {
                Word command = argv.get(name);
                wrapper = WRAPPERS.contains(baseName(command.text()));
                if (code && command.dynamic()) {
                    doubtful = true; // the command name is only known at run time
                }
                if (code && wrapper && argv.subList(name + 1, argv.size()).stream()
                        .anyMatch(w -> w.dynamic() && !ASSIGNMENT.matcher(w.text()).matches())) {
                    doubtful = true; // sudo "$X", xargs $CMD, bash -c "$SCRIPT"
                }
            }
            // quoted words may be scripts (bash -c '…', ssh host '…', alias x='…', bash <<< '…'): search them
            // as well; they are shell code for the shell a wrapper starts, else just text to search
            List<Word> all = new ArrayList<>(argv);
            all.addAll(redirections);
            for (Word w : all) {
                if (w.quoted() && w.text().chars().anyMatch(ch -> SPECIAL.indexOf(ch) >= 0)) {
                    scan(w.text(), code && wrapper, depth + 1);
                    int equals = w.text().indexOf('=');
                    if (equals >= 0) {
                        scan(w.text().substring(equals + 1), false, depth + 1);
                    }
                }
            }
        }
    }

    static String baseName(String word) {
        int slash = word.lastIndexOf('/');
        return slash >= 0 ? word.substring(slash + 1) : word;
    }
}

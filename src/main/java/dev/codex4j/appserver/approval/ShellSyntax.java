package dev.codex4j.appserver.approval;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads shell text that consists of literal words only, the way bash, dash and zsh would split it, and
 * refuses everything else.
 *
 * <p>The reader knows a deliberately small language: words made of plain characters, {@code '…'},
 * {@code "…"} without {@code $} or backquotes, and backslash escapes; the operators {@code ; & && | || |&},
 * newlines and {@code ( )} between commands; redirections ({@code > >> < 2>&1 &>}…) with a literal target;
 * and {@code NAME=value} assignments before a command. Within that language every word means exactly its
 * characters, so the words read here are the words the shell passes to the program. Anything outside it is
 * a {@link Script#doubt() doubt}, never a guess: any {@code $} or backquote (expansions and substitutions),
 * glob characters {@code * ? [}, braces, {@code ~}, {@code !}, a comment, a keyword ({@code time},
 * {@code function}, {@code if}…), a here-document or here-string, process substitution, a line
 * continuation, a control character, an unterminated quote, a leading unquoted {@code =} (zsh expands it),
 * a function definition, a file descriptor of more than one digit (shells disagree whether it is one), and
 * text over {@value #MAX_CHARS} characters.
 *
 * <p>One left-to-right pass with no backtracking: linear in the length of the text.
 *
 * <p>What it cannot know: the shell's configuration ({@code -l} sources the login profile, which could
 * define a function or enable aliases) and what a program does with its words. Both are outside what an
 * approval rule can judge from a request.
 */
final class ShellSyntax {

    /** Longer text is not read at all: no real command is this long, and reading must stay cheap. */
    static final int MAX_CHARS = 64 * 1024;

    /** Shells whose {@code -c} script is read as a script (their literal words split alike). */
    private static final Set<String> SHELLS = Set.of("bash", "sh", "dash", "zsh");

    private static final Set<String> RESERVED = Set.of("!", "[[", "]]", "{", "}", "case", "coproc", "do", "done",
            "elif", "else", "esac", "fi", "for", "function", "if", "in", "select", "then", "time", "until", "while");

    /** Unquoted, these make a word mean something other than its characters (or start a comment). */
    private static final String NOT_LITERAL = "$`*?[]{}~!#^";

    private ShellSyntax() {}

    /** One simple command: its assignments, its words and the targets of its redirections, quotes removed. */
    record Command(List<String> assignments, List<String> argv, List<String> redirectTargets) {}

    /**
     * What a piece of shell text runs.
     *
     * @param commands its simple commands in order; incomplete when {@code doubt} is set
     * @param operators {@code true} if it has more than a simple command: an operator, a redirection or an
     *     assignment
     * @param doubt why the text is not plain literal shell, or {@code null} if it is
     */
    record Script(List<Command> commands, boolean operators, String doubt) {

        boolean readable() {
            return doubt == null;
        }

        /** The words of a script that is exactly one simple command of literal words and nothing else. */
        Optional<List<String>> singleCommand() {
            if (doubt != null || operators || commands.size() != 1 || commands.get(0).argv().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(commands.get(0).argv());
        }
    }

    /** Reads {@code text} as shell code. */
    static Script parse(String text) {
        if (text.length() > MAX_CHARS) {
            return new Script(List.of(), true, "longer than " + MAX_CHARS + " characters");
        }
        return new Reader(text).read();
    }

    /** The words of {@code text} if it is one simple command of literal words (how codex shows an argv). */
    static Optional<List<String>> words(String text) {
        return parse(text).singleCommand();
    }

    /**
     * The script of a shell wrapper {@code [bash|sh|dash|zsh, -c|-lc, script]} (by name or absolute path),
     * or empty if {@code argv} is not one.
     */
    static Optional<String> wrappedScript(List<String> argv) {
        if (argv.size() != 3 || !(argv.get(1).equals("-lc") || argv.get(1).equals("-c"))) {
            return Optional.empty();
        }
        String shell = argv.get(0);
        boolean named = shell.indexOf('/') < 0 || shell.startsWith("/");
        return named && SHELLS.contains(baseName(shell)) ? Optional.of(argv.get(2)) : Optional.empty();
    }

    /** The last path segment of a command name: {@code rm} for {@code /bin/rm}. */
    static String baseName(String word) {
        int slash = word.lastIndexOf('/');
        return slash < 0 ? word : word.substring(slash + 1);
    }

    private static boolean isName(CharSequence s, int end) {
        if (end == 0 || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_') || s.charAt(0) > 127) {
            return false;
        }
        for (int i = 1; i < end; i++) {
            char c = s.charAt(i);
            if (c > 127 || !(Character.isLetterOrDigit(c) || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static final class Reader {
        private final String text;
        private final int n;
        private final List<Command> commands = new ArrayList<>();
        private final StringBuilder word = new StringBuilder();
        private boolean inWord;
        private boolean wordQuoted;
        private boolean wordIsAssignment;
        private List<String> assignments = new ArrayList<>();
        private List<String> argv = new ArrayList<>();
        private List<String> targets = new ArrayList<>();
        private boolean expectTarget;
        private boolean operators;
        private String doubt;

        Reader(String text) {
            this.text = text;
            this.n = text.length();
        }

        Script read() {
            int i = 0;
            while (i < n && doubt == null) {
                i = step(i);
            }
            if (doubt == null) {
                endWord();
                if (expectTarget) {
                    doubt = "a redirection without a target";
                }
                endCommand();
            }
            return new Script(List.copyOf(commands), operators, doubt);
        }

        /** Reads from {@code i}; returns where to go on. */
        private int step(int i) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t') {
                endWord();
                return i + 1;
            }
            if (c == '<' || c == '>' || (c == '&' && i + 1 < n && text.charAt(i + 1) == '>')) {
                return redirection(i);
            }
            if (c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')') {
                return operator(i, c);
            }
            if (c == '\'') {
                int end = text.indexOf('\'', i + 1);
                if (end < 0) {
                    return fail("an unterminated quote");
                }
                word.append(text, i + 1, end);
                quoted();
                return end + 1;
            }
            if (c == '"') {
                return doubleQuoted(i + 1);
            }
            if (c == '\\') {
                if (i + 1 >= n || text.charAt(i + 1) == '\n') {
                    return fail("a line continuation");
                }
                word.append(text.charAt(i + 1));
                quoted();
                return i + 2;
            }
            if (NOT_LITERAL.indexOf(c) >= 0) {
                return fail("'" + c + "' outside quotes");
            }
            if (c < 0x20 || c == 0x7f) {
                return fail("a control character");
            }
            if (c == '=' && !inWord) {
                return fail("a word starting with '='");
            }
            if (c == '=' && !wordQuoted && argv.isEmpty() && !expectTarget && isName(word, word.length())) {
                wordIsAssignment = true;
            } else if (c == '+' && i + 1 < n && text.charAt(i + 1) == '=' && !wordQuoted && argv.isEmpty()
                    && !expectTarget && isName(word, word.length())) {
                wordIsAssignment = true;
            }
            word.append(c);
            inWord = true;
            return i + 1;
        }

        private int doubleQuoted(int i) {
            while (i < n) {
                char c = text.charAt(i);
                if (c == '"') {
                    quoted();
                    return i + 1;
                }
                if (c == '$' || c == '`') {
                    return fail("'" + c + "' inside double quotes");
                }
                if (c == '\\' && i + 1 < n) {
                    char next = text.charAt(i + 1);
                    if (next == '\n') {
                        return fail("a line continuation");
                    }
                    if (next == '$' || next == '`' || next == '"' || next == '\\') {
                        word.append(next);
                        i += 2;
                        continue;
                    }
                }
                word.append(c);
                i++;
            }
            return fail("an unterminated quote");
        }

        private int operator(int i, char c) {
            char next = i + 1 < n ? text.charAt(i + 1) : 0;
            if (c == '(' && (inWord || !isEmptyCommand())) {
                return fail("a function definition or pattern");
            }
            if (c == '(' && next == '(') {
                return fail("arithmetic");
            }
            if (c == ';' && next == ';') {
                return fail("';;'");
            }
            endWord();
            if (expectTarget) {
                return fail("a redirection without a target");
            }
            endCommand();
            operators = true;
            boolean twoChars = (c == '&' && next == '&') || (c == '|' && (next == '|' || next == '&'));
            return i + (twoChars ? 2 : 1);
        }

        private int redirection(int i) {
            // a word of digits right before < or > is a file descriptor, not an argument; before &> it is an
            // argument (bash: "ls 1&>x" runs ls 1)
            if (text.charAt(i) != '&' && inWord && !wordQuoted && !wordIsAssignment
                    && word.chars().allMatch(Character::isDigit)) {
                if (word.length() > 1) {
                    // bash: 10>x is descriptor 10, dash and zsh: the argument 10 (bash too when over int)
                    return fail("a number of more than one digit before a redirection");
                }
                word.setLength(0);
                inWord = false;
            } else {
                endWord();
            }
            if (expectTarget) {
                return fail("a redirection without a target");
            }
            int j = i;
            char c = text.charAt(j);
            char next = j + 1 < n ? text.charAt(j + 1) : 0;
            if (c == '<' && next == '<') {
                return fail("a here-document or here-string");
            }
            if ((c == '<' || c == '>') && next == '(') {
                return fail("process substitution");
            }
            if (c == '&') {
                j += 2; // &>
                if (j < n && text.charAt(j) == '>') {
                    j++; // &>>
                }
            } else {
                j++;
                if (j < n && (text.charAt(j) == '>' || text.charAt(j) == '&' || text.charAt(j) == '|')) {
                    j++; // >> >& >| <& <>
                }
            }
            operators = true;
            expectTarget = true;
            return j;
        }

        private int fail(String why) {
            doubt = why;
            return n;
        }

        private void quoted() {
            inWord = true;
            wordQuoted = true;
        }

        private boolean isEmptyCommand() {
            return argv.isEmpty() && assignments.isEmpty() && targets.isEmpty();
        }

        private void endWord() {
            if (!inWord) {
                return;
            }
            String w = word.toString();
            if (expectTarget) {
                targets.add(w);
                expectTarget = false;
            } else if (wordIsAssignment) {
                assignments.add(w);
                operators = true;
            } else {
                if (argv.isEmpty() && !wordQuoted && RESERVED.contains(w)) {
                    doubt = "the keyword '" + w + "'";
                }
                argv.add(w);
            }
            word.setLength(0);
            inWord = false;
            wordQuoted = false;
            wordIsAssignment = false;
        }

        private void endCommand() {
            if (!isEmptyCommand()) {
                commands.add(new Command(List.copyOf(assignments), List.copyOf(argv), List.copyOf(targets)));
                assignments = new ArrayList<>();
                argv = new ArrayList<>();
                targets = new ArrayList<>();
            }
        }
    }
}

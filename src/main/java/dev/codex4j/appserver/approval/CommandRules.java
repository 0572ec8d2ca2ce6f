package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.approval.ShellSyntax.Command;
import dev.codex4j.appserver.approval.ShellSyntax.Script;
import dev.codex4j.appserver.protocol.types.CommandAction;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalKind;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Ready-made rules for {@code item/commandExecution/requestApproval}. The threat model, and why these rules
 * keep it, is in {@code docs/approvals-threat-model.md}; in short:
 *
 * <p><b>Accepting rules are sound.</b> codex shows the command it will run as one line, its argv quoted for
 * a shell ({@code /bin/bash -lc 'git status'}). An accepting rule reads that line back into the exact argv
 * (the inverse of the quoting, see {@link #literalArgv}), unwraps the shell, and accepts only when the script
 * is a single simple command made of literal words: no expansion, substitution, glob, brace, operator,
 * redirection, assignment or keyword, so the words it read are the words that run. It also abstains unless
 * the request is a plain command: no network approval, no additional permissions, another kind, or an
 * environment other than {@code local}. Everything else is left to the next rule, the handler or the safe
 * default (decline).
 *
 * <p><b>Declining rules are advisory and err towards declining.</b> A list of forbidden commands is not a
 * security boundary: an interpreter, an alias or a script can run anything. Use accepting rules, codex's
 * sandbox and its execpolicy to draw the line; use {@link #declinePrefixes} to keep known commands away from
 * the rules and handler that follow it.
 */
public final class CommandRules {

    /** Programs that run code given as a string, on stdin or from a file: what they run cannot be read here. */
    private static final Set<String> INTERPRETERS = Set.of("sh", "bash", "zsh", "dash", "ksh", "mksh", "yash",
            "fish", "csh", "tcsh", "busybox", "eval", "source", ".", "python", "python2", "python3", "pypy",
            "pypy3", "perl", "ruby", "node", "nodejs", "deno", "bun", "php", "lua", "luajit", "tclsh", "wish",
            "rscript", "osascript", "pwsh", "powershell", "awk", "gawk", "mawk", "nawk", "sed", "xargs",
            "parallel", "ssh", "su", "sudo", "doas", "watch", "script", "expect", "gdb", "vim", "vi", "nvim",
            "emacs", "ex", "ed");

    /** Commands after which relative words mean other paths than from the request's working directory. */
    private static final Set<String> CHANGE_DIRECTORY = Set.of("cd", "pushd", "popd");

    private CommandRules() {}

    /** The rule type for command approvals. */
    public interface CommandRule extends ApprovalRule<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision> {}

    /**
     * An accepting rule for commands starting with one of a list of prefixes; see
     * {@link CommandRules#acceptPrefixes}.
     */
    public static final class PrefixRule implements CommandRule {

        private final List<List<String>> prefixes;

        private PrefixRule(List<List<String>> prefixes) {
            this.prefixes = prefixes;
        }

        @Override
        public Optional<CommandExecutionApprovalDecision> decide(CommandExecutionRequestApprovalParams params,
                ApprovalContext context) {
            return literalArgv(params).filter(this::allows).map(argv -> CommandExecutionApprovalDecision.ACCEPT);
        }

        /**
         * This rule, accepting with {@code acceptWithExecpolicyAmendment} and codex's
         * {@code proposedExecpolicyAmendment} (codex then stops asking for commands that start with it, in
         * later sessions too) when, and only when, that amendment is equal to or narrower than one of this
         * rule's prefixes: it starts with one of them, or it is a shell wrapper whose script is a single
         * literal command that starts with one. Otherwise it accepts with a plain {@code accept}: a proposal
         * never widens what was allowed.
         */
        public CommandRule withProposedAmendment() {
            return (params, context) -> decide(params, context).map(decision -> {
                List<String> proposed = params.proposedExecpolicyAmendment();
                return proposed != null && !proposed.isEmpty() && withinPrefixes(proposed)
                        ? AcceptWithExecpolicyAmendment.of(List.copyOf(proposed)) : decision;
            });
        }

        private boolean allows(List<String> argv) {
            return prefixes.stream().anyMatch(p -> startsWith(argv, p));
        }

        private boolean withinPrefixes(List<String> amendment) {
            Optional<String> script = ShellSyntax.wrappedScript(amendment);
            List<String> argv = script.isPresent() ? ShellSyntax.words(script.get()).orElse(null) : amendment;
            return argv != null && allows(argv);
        }

        @Override
        public String toString() {
            return "acceptPrefixes" + prefixes;
        }
    }

    /**
     * Accepts a command that is a single simple command of literal words starting with one of
     * {@code prefixes}, compared word by word: {@code List.of(List.of("git", "status"))} accepts
     * {@code git status -s} but not {@code git push}, {@code git status && git push}, {@code git $(echo status)}
     * or {@code git status > out}. Abstains on anything else (see the class description).
     *
     * @throws IllegalArgumentException if a prefix is empty
     */
    public static PrefixRule acceptPrefixes(List<List<String>> prefixes) {
        Objects.requireNonNull(prefixes, "prefixes");
        List<List<String>> copy = prefixes.stream().map(List::copyOf).toList();
        if (copy.stream().anyMatch(List::isEmpty)) {
            throw new IllegalArgumentException("an empty prefix would accept every command");
        }
        return new PrefixRule(copy);
    }

    /**
     * Accepts a command that is a single simple command of literal words whose words, joined by single
     * spaces, match {@code pattern} as a whole. The pattern runs under the handler timeout: a pattern that
     * backtracks for too long yields the safe default.
     */
    public static CommandRule acceptMatching(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return (params, context) -> literalArgv(params)
                .filter(argv -> pattern.matcher(String.join(" ", argv)).matches())
                .map(argv -> CommandExecutionApprovalDecision.ACCEPT);
    }

    /**
     * Declines a command that may run one of {@code prefixes}, and any command it cannot read completely.
     *
     * <p>A prefix matches a simple command anywhere in the script (after {@code ; && || | &}, newlines, in
     * subshells) when its first word occurs as a name in any word of that command ({@code rm},
     * {@code /bin/rm}, {@code sudo rm}, {@code env X=1 rm}, {@code git rm}, {@code -c core.pager='rm -rf'})
     * and each of its other words occurs after it, in order, as part of a word ({@code git -C dir push},
     * {@code git -c alias.p=push p}). So a mere mention ({@code echo rm}) is declined too.
     *
     * <p>It declines on any doubt: a word known only at run time anywhere ({@code $X}, {@code $(…)}, a glob,
     * a brace), a keyword, a here-document, a script over the size limit, a request with no command, and any
     * interpreter or program that runs code it is given ({@code bash}, {@code python}, {@code eval},
     * {@code xargs}, {@code sudo}, {@code ssh}, {@code awk}, {@code sed}, {@code env -S}…).
     *
     * <p><b>Not a security boundary.</b> A program can run anything its configuration or input says (a git
     * alias, a Makefile, an npm script, a shell function from the login profile): only accepting rules, the
     * safe default, codex's sandbox and its execpolicy draw the line.
     */
    public static CommandRule declinePrefixes(List<List<String>> prefixes) {
        Objects.requireNonNull(prefixes, "prefixes");
        List<List<String>> copy = prefixes.stream().map(List::copyOf).filter(p -> !p.isEmpty()).toList();
        return (params, context) -> mayRun(params, copy)
                ? Optional.of(CommandExecutionApprovalDecision.DECLINE) : Optional.empty();
    }

    /**
     * Declines a command that may read or write outside {@code root}: its working directory is outside, a
     * word or a redirection names a path outside (an absolute path, or a relative one that leads out through
     * {@code ..} or a symbolic link; also a path after {@code =}, {@code :} or {@code ,} in a word, and after
     * an option's letters, as in {@code -I/etc}), it changes directory ({@code cd}), or it cannot be read
     * completely ({@code ~}, {@code $HOME} and any other expansion count as outside). Paths are resolved as
     * the file system would, component by component; {@code ..} after a component that does not exist, a
     * dangling link and a path that cannot be resolved count as outside.
     *
     * <p>Advisory, like {@link #declinePrefixes}: a program may open paths it was not given as words
     * ({@code git -C}, {@code tar -C}, a config file, an interpreter).
     */
    public static CommandRule declineOutside(Path root) {
        Objects.requireNonNull(root, "root");
        Workspace workspace = Workspace.of(root);
        return (params, context) -> staysInside(params, workspace)
                ? Optional.empty() : Optional.of(CommandExecutionApprovalDecision.DECLINE);
    }

    /** Turns an accept of {@code rule} into {@code acceptForSession}: codex stops asking for the same command. */
    public static CommandRule forSession(CommandRule rule) {
        Objects.requireNonNull(rule, "rule");
        return (params, context) -> rule.decide(params, context).map(d ->
                d == CommandExecutionApprovalDecision.ACCEPT ? CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION : d);
    }

    /**
     * The argv that will run, when the request is a plain command (see the class description) that is a
     * single simple command of literal words; empty otherwise. {@code /bin/bash -lc 'git commit -m "x y"'}
     * gives {@code [git, commit, -m, x y]}; a command codex runs without a shell gives its own argv.
     */
    public static Optional<List<String>> literalArgv(CommandExecutionRequestApprovalParams params) {
        Objects.requireNonNull(params, "params");
        if (!isPlainCommand(params)) {
            return Optional.empty();
        }
        return script(params).flatMap(Script::singleCommand);
    }

    /**
     * The commands a request shows, for display: codex's parsed {@code commandActions}, else the command
     * line. Decisions must not rest on these: use {@link #literalArgv}.
     */
    public static List<String> bareCommands(CommandExecutionRequestApprovalParams params) {
        List<String> commands = new ArrayList<>();
        for (CommandAction action : params.commandActions() == null ? List.<CommandAction>of() : params.commandActions()) {
            String command = commandOf(action);
            if (command != null) {
                commands.add(command);
            }
        }
        if (commands.isEmpty() && params.command() != null) {
            commands.add(params.command());
        }
        return commands;
    }

    /**
     * {@code true} if the request asks only to run a command here: kind {@code command} (or absent), the
     * {@code local} environment (or absent), no separate approval id, and no network context, additional
     * permissions or network policy amendments.
     */
    static boolean isPlainCommand(CommandExecutionRequestApprovalParams params) {
        return (params.kind() == null || params.kind() == CommandExecutionApprovalKind.COMMAND)
                && (params.environmentId() == null || params.environmentId().equals("local"))
                && params.approvalId() == null
                && params.networkApprovalContext() == null
                && params.additionalPermissions() == null
                && (params.proposedNetworkPolicyAmendments() == null || params.proposedNetworkPolicyAmendments().isEmpty());
    }

    /**
     * The script a request runs: the shell wrapper's script read as shell, or, for a command codex runs
     * without a shell, its argv as one command. Empty if the command line is missing or not an argv.
     */
    static Optional<Script> script(CommandExecutionRequestApprovalParams params) {
        if (params.command() == null) {
            return Optional.empty();
        }
        Optional<List<String>> argv = ShellSyntax.words(params.command());
        if (argv.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> wrapped = ShellSyntax.wrappedScript(argv.get());
        return Optional.of(wrapped.isPresent() ? ShellSyntax.parse(wrapped.get())
                : new Script(List.of(new Command(List.of(), argv.get(), List.of())), false, null));
    }

    /** {@code true} if the request may run a command starting with one of {@code prefixes}, or cannot tell. */
    private static boolean mayRun(CommandExecutionRequestApprovalParams params, List<List<String>> prefixes) {
        Optional<Script> script = script(params);
        if (script.isEmpty() || !script.get().readable() || script.get().commands().isEmpty()) {
            return true;
        }
        for (Command command : script.get().commands()) {
            List<String> argv = command.argv();
            if (argv.stream().anyMatch(CommandRules::isInterpreter) || splitsStrings(argv)) {
                return true;
            }
            if (prefixes.stream().anyMatch(p -> mentions(argv, p))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isInterpreter(String word) {
        String name = ShellSyntax.baseName(word).toLowerCase(Locale.ROOT);
        int end = name.length();
        while (end > 0 && (Character.isDigit(name.charAt(end - 1)) || name.charAt(end - 1) == '.')) {
            end--; // python3.12 is python
        }
        return INTERPRETERS.contains(name) || (end > 0 && INTERPRETERS.contains(name.substring(0, end)));
    }

    /** {@code env -S '…'} splits a string into a command. */
    private static boolean splitsStrings(List<String> argv) {
        return ShellSyntax.baseName(argv.get(0)).equalsIgnoreCase("env")
                && argv.stream().skip(1).anyMatch(w -> w.startsWith("-S") || w.startsWith("--split-string")
                        || (w.startsWith("-") && !w.startsWith("--") && w.indexOf('S') > 0));
    }

    /**
     * {@code true} if {@code prefix}'s first word occurs in {@code argv} as a name ({@code rm} in {@code rm},
     * {@code /bin/rm}, {@code core.pager=rm -rf}) and each of its other words occurs after it, in order, as
     * part of a word. Case is ignored (macOS file systems run {@code RM} as {@code rm}). Greedy: the earliest
     * occurrence of each word leaves the most room for the rest, so one pass finds a match if there is one.
     */
    static boolean mentions(List<String> argv, List<String> prefix) {
        String text = String.join("\n", argv).toLowerCase(Locale.ROOT);
        String first = prefix.get(0).toLowerCase(Locale.ROOT);
        int at = nameIndex(text, first);
        if (at < 0) {
            return false;
        }
        int from = at + first.length();
        for (String word : prefix.subList(1, prefix.size())) {
            int next = text.indexOf(word.toLowerCase(Locale.ROOT), from);
            if (next < 0) {
                return false;
            }
            from = next + word.length();
        }
        return true;
    }

    /** The first index of {@code name} in {@code text} not preceded or followed by a character of a name. */
    private static int nameIndex(String text, String name) {
        int from = 0;
        while (true) {
            int at = text.indexOf(name, from);
            if (at < 0) {
                return -1;
            }
            int end = at + name.length();
            if ((at == 0 || !isNameChar(text.charAt(at - 1))) && (end == text.length() || !isNameChar(text.charAt(end)))) {
                return at;
            }
            from = at + 1;
        }
    }

    private static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                || c == '-';
    }

    private static boolean staysInside(CommandExecutionRequestApprovalParams params, Workspace workspace) {
        Optional<Path> cwd = workspace.resolveInside(params.cwd() == null ? "." : params.cwd());
        Optional<Script> script = script(params);
        if (cwd.isEmpty() || script.isEmpty() || !script.get().readable()) {
            return false;
        }
        Workspace.Budget budget = workspace.budget();
        for (Command command : script.get().commands()) {
            if (!command.argv().isEmpty()
                    && CHANGE_DIRECTORY.contains(ShellSyntax.baseName(command.argv().get(0)).toLowerCase(Locale.ROOT))) {
                return false;
            }
            List<String> words = new ArrayList<>(command.redirectTargets());
            command.assignments().forEach(a -> words.add(a.substring(a.indexOf('=') + 1)));
            words.addAll(command.argv().subList(Math.min(1, command.argv().size()), command.argv().size()));
            for (String word : words) {
                for (String path : pathsIn(word)) {
                    if (!workspace.leadsInside(cwd.get(), path, budget)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Where a path may begin in a word: the word itself, after {@code = : ,}, and after an option's letters. */
    private static List<String> pathsIn(String word) {
        List<String> paths = new ArrayList<>();
        paths.add(word);
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if ((c == '=' || c == ':' || c == ',') && i + 1 < word.length()) {
                paths.add(word.substring(i + 1));
            }
        }
        if (word.startsWith("-")) {
            int start = 0;
            while (start < word.length() && (word.charAt(start) == '-' || Character.isLetterOrDigit(word.charAt(start)))) {
                start++;
            }
            if (start > 0 && start < word.length()) {
                paths.add(word.substring(start));
            }
        }
        return paths;
    }

    private static boolean startsWith(List<String> argv, List<String> prefix) {
        return argv.size() >= prefix.size() && argv.subList(0, prefix.size()).equals(prefix);
    }

    private static String commandOf(CommandAction action) {
        if (action instanceof CommandAction.Read a) {
            return a.command();
        } else if (action instanceof CommandAction.ListFiles a) {
            return a.command();
        } else if (action instanceof CommandAction.Search a) {
            return a.command();
        } else if (action instanceof CommandAction.Unknown a) {
            return a.command();
        }
        return null;
    }
}

package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.protocol.types.CommandAction;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ready-made rules for {@code item/commandExecution/requestApproval}.
 *
 * <p>codex asks about the command line it will run through a login shell
 * ({@code /bin/bash -lc 'git status'}) and about the commands it parsed out of it
 * ({@code commandActions}). Rules look at those bare commands. A command with shell operators
 * ({@code ; & | > < `} or {@code $(}) never matches an accepting rule: {@code git status; rm -rf ~} must
 * not pass as {@code git status}.
 */
public final class CommandRules {

    private static final Pattern SHELL_WRAPPER = Pattern.compile("^(?:\\S*/)?(?:ba|z|da)?sh\\s+-l?c\\s+'(.*)'$",
            Pattern.DOTALL);

    private CommandRules() {}

    /** The rule type for command approvals. */
    public interface CommandRule extends ApprovalRule<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision> {}

    /**
     * Accepts a command whose every part is a plain command line (no shell operators) starting with one of
     * {@code prefixes}, compared word by word: {@code List.of(List.of("git", "status"))} accepts
     * {@code git status -s} but not {@code git push} or {@code git status && git push}.
     */
    public static CommandRule acceptPrefixes(List<List<String>> prefixes) {
        List<List<String>> copy = prefixes.stream().map(List::copyOf).toList();
        return (params, context) -> allMatch(params, argv -> copy.stream().anyMatch(p -> startsWith(argv, p)))
                ? Optional.of(CommandExecutionApprovalDecision.ACCEPT) : Optional.empty();
    }

    /** Accepts a command whose every part is a plain command line matching {@code pattern} as a whole. */
    public static CommandRule acceptMatching(Pattern pattern) {
        Objects.requireNonNull(pattern, "pattern");
        return (params, context) -> allMatch(params, argv -> pattern.matcher(String.join(" ", argv)).matches())
                ? Optional.of(CommandExecutionApprovalDecision.ACCEPT) : Optional.empty();
    }

    /**
     * Declines a command that may run one of {@code prefixes}, erring towards declining. It looks at the
     * command line and at every parsed action, and finds commands wherever the shell may run them: after
     * {@code ; && || | &} or a newline, in {@code $(…)}, backticks, subshells and quoted scripts
     * ({@code bash -c '…'}, {@code ssh host '…'}). A prefix matches when its first word is a command's name
     * or any later word ({@code sudo rm}, {@code env X=1 rm}, {@code xargs rm}; {@code /bin/rm} counts as
     * {@code rm}) and its other words follow in order, not necessarily adjacent ({@code git -C dir push}
     * counts as {@code git push}). So a mere mention ({@code echo git push}) is declined too.
     *
     * <p>It also declines what it cannot check: a command name known only at run time ({@code $CMD},
     * {@code $(…)}, a glob), such a word given to a wrapper ({@code sudo}, {@code env}, {@code xargs},
     * {@code eval}, {@code bash -c}), or a request with no command at all.
     *
     * <p>A list of forbidden commands is never complete (an interpreter, a script or an alias can run
     * anything); rely on accepting rules and the safe default, and use this to keep known commands away from
     * the accepting rules and handler that follow it.
     */
    public static CommandRule declinePrefixes(List<List<String>> prefixes) {
        List<List<String>> copy = prefixes.stream().map(List::copyOf).toList();
        return (params, context) -> mayRun(params, copy)
                ? Optional.of(CommandExecutionApprovalDecision.DECLINE) : Optional.empty();
    }

    /**
     * Declines a command that runs outside {@code root}, or whose parsed actions (reads, listings, searches)
     * name a path outside it. Relative paths count from the command's working directory. Symbolic links and
     * {@code ..} are resolved as far as the path exists; a path that cannot be resolved counts as outside.
     */
    public static CommandRule declineOutside(Path root) {
        Path absoluteRoot = root.toAbsolutePath();
        return (params, context) -> {
            Optional<Path> base = FileChangeRules.realPath(absoluteRoot);
            if (base.isEmpty()) {
                return Optional.of(CommandExecutionApprovalDecision.DECLINE);
            }
            try {
                Path cwd = params.cwd() == null ? absoluteRoot : absoluteRoot.resolve(params.cwd());
                boolean outside = !inside(base.get(), cwd);
                for (CommandAction action : nullToEmpty(params.commandActions())) {
                    String path = pathOf(action);
                    if (path != null && !inside(base.get(), cwd.resolve(path))) {
                        outside = true;
                    }
                }
                return outside ? Optional.of(CommandExecutionApprovalDecision.DECLINE) : Optional.empty();
            } catch (InvalidPathException e) {
                return Optional.of(CommandExecutionApprovalDecision.DECLINE);
            }
        };
    }

    private static boolean inside(Path base, Path path) {
        return FileChangeRules.realPath(path).map(p -> p.startsWith(base)).orElse(false);
    }

    /** Turns an accept of {@code rule} into {@code acceptForSession}: codex stops asking for the same command. */
    public static CommandRule forSession(CommandRule rule) {
        return (params, context) -> rule.decide(params, context).map(d ->
                d == CommandExecutionApprovalDecision.ACCEPT ? CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION : d);
    }

    /**
     * Turns an accept of {@code rule} into {@code acceptWithExecpolicyAmendment} with the amendment codex
     * proposed ({@code proposedExecpolicyAmendment}), so similar commands run without asking from now on. When
     * codex proposed none, the accept stays a plain accept.
     */
    public static CommandRule withProposedAmendment(CommandRule rule) {
        return (params, context) -> rule.decide(params, context).map(d -> {
            List<String> proposed = params.proposedExecpolicyAmendment();
            return d == CommandExecutionApprovalDecision.ACCEPT && proposed != null && !proposed.isEmpty()
                    ? AcceptWithExecpolicyAmendment.of(proposed) : d;
        });
    }

    /**
     * The bare commands of a request: the parsed {@code commandActions}, else the command line with its
     * login-shell wrapper removed.
     */
    public static List<String> bareCommands(CommandExecutionRequestApprovalParams params) {
        List<String> commands = new ArrayList<>();
        for (CommandAction action : nullToEmpty(params.commandActions())) {
            String command = commandOf(action);
            if (command != null) {
                commands.add(command);
            }
        }
        if (commands.isEmpty() && params.command() != null) {
            commands.add(unwrap(params.command()));
        }
        return commands;
    }

    /** The command line with its login-shell wrapper removed. */
    private static String unwrap(String command) {
        Matcher m = SHELL_WRAPPER.matcher(command.strip());
        return m.matches() ? m.group(1).replace("'\\''", "'") : command;
    }

    /** Splits a plain command line into words, honouring quotes; {@code null} if it has shell operators. */
    static List<String> plainWords(String command) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
                    word.append(command.charAt(++i));
                } else if (quote == '"' && (c == '`' || (c == '$' && i + 1 < command.length() && command.charAt(i + 1) == '('))) {
                    return null; // command substitution inside double quotes still runs
                } else {
                    word.append(c);
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                word.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c) && c != '\n') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (";&|<>`\n".indexOf(c) >= 0 || (c == '$' && i + 1 < command.length() && command.charAt(i + 1) == '(')) {
                return null;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            return null; // unbalanced quotes: not a command line we understand
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** {@code true} if the request may run a command starting with one of {@code prefixes}, or cannot tell. */
    private static boolean mayRun(CommandExecutionRequestApprovalParams params, List<List<String>> prefixes) {
        List<String> scripts = new ArrayList<>();
        if (params.command() != null) {
            scripts.add(params.command()); // the actions alone leave out pipeline helpers and a leading cd
        }
        for (CommandAction action : nullToEmpty(params.commandActions())) {
            String command = commandOf(action);
            if (command != null) {
                scripts.add(command);
            }
        }
        if (scripts.stream().allMatch(String::isBlank)) {
            return true; // nothing to check
        }
        for (String script : scripts) {
            ShellScan scan = ShellScan.of(script);
            if (scan.doubtful() || scan.commands().stream()
                    .anyMatch(argv -> prefixes.stream().anyMatch(p -> contains(argv, p)))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code true} if {@code prefix}'s first word is one of {@code argv} (by name: {@code /bin/rm} is
     * {@code rm}) and its other words follow it in order.
     */
    private static boolean contains(List<String> argv, List<String> prefix) {
        if (prefix.isEmpty()) {
            return false;
        }
        for (int start = 0; start < argv.size(); start++) {
            if (sameName(argv.get(start), prefix.get(0))) {
                int matched = 1;
                for (int i = start + 1; i < argv.size() && matched < prefix.size(); i++) {
                    if (argv.get(i).equals(prefix.get(matched))) {
                        matched++;
                    }
                }
                if (matched == prefix.size()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean sameName(String word, String name) {
        // ignoring case: macOS file systems run RM as rm
        return word.equalsIgnoreCase(name)
                || (name.indexOf('/') < 0 && ShellScan.baseName(word).equalsIgnoreCase(name));
    }

    private interface ArgvTest {
        boolean test(List<String> argv);
    }

    private static boolean allMatch(CommandExecutionRequestApprovalParams params, ArgvTest test) {
        List<String> commands = new ArrayList<>(bareCommands(params));
        if (commands.isEmpty()) {
            return false;
        }
        // commandActions are codex's best-effort summary for display: it leaves out pipeline helpers
        // (tee, awk, xargs...) and a leading cd, so the command line itself must pass as well
        if (params.command() != null) {
            commands.add(unwrap(params.command()));
        }
        for (String command : commands) {
            List<String> argv = plainWords(command);
            if (argv == null || argv.isEmpty() || !test.test(argv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(List<String> argv, List<String> prefix) {
        return !prefix.isEmpty() && argv.size() >= prefix.size() && argv.subList(0, prefix.size()).equals(prefix);
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

    private static String pathOf(CommandAction action) {
        if (action instanceof CommandAction.Read a) {
            return a.path();
        } else if (action instanceof CommandAction.ListFiles a) {
            return a.path();
        } else if (action instanceof CommandAction.Search a) {
            return a.path();
        }
        return null;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}

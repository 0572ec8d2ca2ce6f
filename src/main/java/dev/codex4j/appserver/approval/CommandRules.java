package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.protocol.types.CommandAction;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.AcceptWithExecpolicyAmendment;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
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

    /** Declines a command any part of which starts with one of {@code prefixes} (shell operators or not). */
    public static CommandRule declinePrefixes(List<List<String>> prefixes) {
        List<List<String>> copy = prefixes.stream().map(List::copyOf).toList();
        return (params, context) -> bareCommands(params).stream()
                .map(CommandRules::words)
                .anyMatch(argv -> copy.stream().anyMatch(p -> startsWith(argv, p)))
                ? Optional.of(CommandExecutionApprovalDecision.DECLINE) : Optional.empty();
    }

    /**
     * Declines a command that runs outside {@code root}, or whose parsed actions (reads, listings, searches)
     * name a path outside it. Relative paths count from the command's working directory.
     */
    public static CommandRule declineOutside(Path root) {
        Path base = root.toAbsolutePath().normalize();
        return (params, context) -> {
            Path cwd = params.cwd() == null ? base : base.resolve(params.cwd()).normalize();
            boolean outside = !cwd.startsWith(base);
            for (CommandAction action : nullToEmpty(params.commandActions())) {
                String path = pathOf(action);
                if (path != null && !cwd.resolve(path).normalize().startsWith(base)) {
                    outside = true;
                }
            }
            return outside ? Optional.of(CommandExecutionApprovalDecision.DECLINE) : Optional.empty();
        };
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

    private static List<String> words(String command) {
        List<String> plain = plainWords(command);
        return plain != null ? plain : List.of(command.strip().split("\\s+"));
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

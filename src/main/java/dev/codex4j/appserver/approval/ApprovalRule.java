package dev.codex4j.appserver.approval;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A policy that may decide an approval, or abstain. Rules are tried in order and the first decision wins;
 * when every rule abstains, the handler (if any) decides, else the safe default.
 *
 * <pre>{@code
 * ApprovalRule<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision> gitReadOnly =
 *         CommandRules.acceptPrefixes(List.of(List.of("git", "status"), List.of("git", "diff")));
 * }</pre>
 *
 * @param <P> the request's generated params type
 * @param <D> the decision type
 */
@FunctionalInterface
public interface ApprovalRule<P, D> {

    /** The decision, or empty to leave it to the next rule. */
    Optional<D> decide(P params, ApprovalContext context);

    /** The first rule of {@code rules} that decides. */
    static <P, D> ApprovalRule<P, D> firstMatch(List<? extends ApprovalRule<P, D>> rules) {
        List<ApprovalRule<P, D>> copy = List.copyOf(rules);
        return (params, context) -> {
            for (ApprovalRule<P, D> rule : copy) {
                Optional<D> decision = Objects.requireNonNull(rule.decide(params, context), "a rule returned null");
                if (decision.isPresent()) {
                    return decision;
                }
            }
            return Optional.empty();
        };
    }
}

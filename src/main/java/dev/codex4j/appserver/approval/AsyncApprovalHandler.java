package dev.codex4j.appserver.approval;

import reactor.core.publisher.Mono;

/**
 * Decides an approval asynchronously, for example by asking a person through another service. An empty
 * {@code Mono} counts as a decline.
 */
@FunctionalInterface
public interface AsyncApprovalHandler {

    Mono<ApprovalDecision> decide(ApprovalRequest request);
}

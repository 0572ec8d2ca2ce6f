package dev.codex4j.appserver.approval;

/** Decides an approval synchronously. May block: it runs on a library-owned thread. */
@FunctionalInterface
public interface ApprovalHandler {

    ApprovalDecision decide(ApprovalRequest request) throws Exception;
}

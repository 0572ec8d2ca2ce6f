package dev.codex4j.appserver.approval;

import java.time.Duration;
import java.time.Instant;

/**
 * One answered (or abandoned) server request, for services that must keep a record. Secrets are redacted
 * from {@code decision} before it is published.
 *
 * @param method the server request's method, e.g. {@code item/commandExecution/requestApproval}
 * @param requestId the server's id for the request as plain text: {@code 7} for a numeric id, {@code abc} (no JSON
 *     quotes) for a string id
 * @param threadId the thread, or {@code null} when the request names none
 * @param turnId the turn, or {@code null}
 * @param itemId the item (command, file change, tool call), or {@code null}
 * @param decision what was answered: the decision's wire value (e.g. {@code "decline"}) or the reply as
 *     compact JSON; for {@link DecidedBy#CANCELLED}, {@code "(nothing sent)"}
 * @param decidedBy who decided
 * @param at when the answer was decided
 * @param took how long deciding took
 */
public record ApprovalEvent(
        String method, String requestId, String threadId, String turnId, String itemId, String decision,
        DecidedBy decidedBy, Instant at, Duration took) {

    /** Who decided an {@link ApprovalEvent}. */
    public enum DecidedBy {
        /** A handler registered for the request's method. */
        HANDLER,
        /** A rule ({@link ApprovalRule}) or a named policy such as {@code acceptAll()}. */
        POLICY,
        /** No handler or rule: the safe default. */
        DEFAULT,
        /** The handler overran its timeout; the safe default was sent. */
        TIMEOUT,
        /** The handler failed or returned nothing; the safe default was sent. */
        ERROR,
        /** The request was resolved elsewhere, its turn ended or the connection dropped: nothing was sent. */
        CANCELLED
    }

    /** A copy with {@code decision} replaced, for redaction. */
    public ApprovalEvent withDecision(String newDecision) {
        return new ApprovalEvent(method, requestId, threadId, turnId, itemId, newDecision, decidedBy, at, took);
    }
}

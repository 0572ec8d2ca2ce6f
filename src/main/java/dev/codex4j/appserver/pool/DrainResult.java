package dev.codex4j.appserver.pool;

/**
 * How a {@link AppServerPool#drain drain} ended.
 *
 * @param member the drained member
 * @param finished {@code true} if its running and queued turns all ended before the deadline
 * @param turnsCutOff turns still running (or queued) at the deadline; closing the member failed them with a
 *     {@code ConnectionClosedException}
 */
public record DrainResult(String member, boolean finished, int turnsCutOff) {}

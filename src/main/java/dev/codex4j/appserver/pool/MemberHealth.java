package dev.codex4j.appserver.pool;

/**
 * One member of an {@link AppServerPool} at one moment, as plain values: for a health endpoint, a log line or
 * a {@link PlacementStrategy}.
 *
 * @param name the member's name, as given to {@link AppServerPool.Builder#member}
 * @param tenant its tenant group, or {@code null} for the shared group
 * @param state where it is in its life
 * @param runningTurns turns started through the pool that have not ended yet; a turn is no longer counted by
 *     the time its outcome reaches whoever awaits it
 * @param queuedTurns turns waiting for one of its turn slots
 * @param restarts how many times its client restarted the app-server (with a {@code RestartPolicy}), a
 *     first start that only succeeded on a retry included
 * @param threads threads the pool has placed on it or found on it (counting those whose start is under way; a
 *     start that failed is no longer counted by the time its failure reaches the caller)
 */
public record MemberHealth(String name, String tenant, MemberState state, int runningTurns, int queuedTurns,
        int restarts, int threads) {

    /** Running plus queued turns: the load the default placement compares. */
    public int load() {
        return runningTurns + queuedTurns;
    }
}

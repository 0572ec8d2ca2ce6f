package dev.codex4j.appserver.pool;

/** Where a member of an {@link AppServerPool} is in its life; only {@link #READY} members take new threads and turns. */
public enum MemberState {
    /** Its app-server is being started (spawn or connect, then the handshake). */
    STARTING,
    /** Started: takes new threads (if in the right tenant group) and turns. */
    READY,
    /** Being drained ({@link AppServerPool#drain}): no new threads or turns; its running and queued turns finish. */
    DRAINING,
    /**
     * Its connection died (or its start failed). Out of placement; its running turns failed with a
     * {@code ConnectionClosedException}. With the client's {@code RestartPolicy} it comes back to {@link #READY}
     * once the client has restarted it, also after a failed first start; without one, or once the policy's
     * budget is spent, it stays dead.
     */
    DEAD,
    /**
     * Alive as far as the connection knows, but it stopped answering: its health probes (see
     * {@link AppServerPool.Builder#healthProbe}) went unanswered too often in a row. Out of placement, as if
     * dead: its queued and running turns failed with a {@code ConnectionClosedException} saying so, and its
     * client gave the connection up ({@code AppServerClient.dropConnection}: a spawned process is ended). With
     * the client's {@code RestartPolicy} a new app-server is started and the member is {@link #READY} again once
     * it answers the handshake and has resumed its threads; without one it is {@link #DEAD} for good.
     */
    UNRESPONSIVE,
    /** Closed by the pool (after a drain, or {@link AppServerPool#close()}); it does not come back. */
    CLOSED
}

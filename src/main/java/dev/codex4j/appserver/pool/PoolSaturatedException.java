package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.rpc.AppServerException;
import java.time.Duration;

/**
 * A turn was not started because its member had no free turn slot: either its wait queue was full when the
 * turn asked, or the turn waited the pool's queue timeout without getting a slot. Nothing was sent to the
 * app-server; the caller may try again later.
 */
public final class PoolSaturatedException extends AppServerException {

    private final String member;
    private final boolean timedOut;

    PoolSaturatedException(String member, int maxTurns, int maxQueued, Duration waited, boolean timedOut) {
        super(timedOut
                ? "no turn slot on pool member '" + member + "' within " + waited + " (" + maxTurns
                        + " turns running, the turn waited in its queue)"
                : "pool member '" + member + "' is saturated: " + maxTurns + " turns running and " + maxQueued
                        + " waiting (the queue's bound)");
        this.member = member;
        this.timedOut = timedOut;
    }

    /** The member the turn's thread lives on. */
    public String member() {
        return member;
    }

    /** {@code true} if the turn waited the queue timeout; {@code false} if the queue was full when it asked. */
    public boolean timedOut() {
        return timedOut;
    }
}

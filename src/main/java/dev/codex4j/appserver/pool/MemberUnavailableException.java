package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.rpc.AppServerException;

/**
 * The pool could not use a member: the thread's member is dead, draining or closed (a new turn on it is
 * refused before anything is sent), or no member of the requested tenant group is ready.
 */
public final class MemberUnavailableException extends AppServerException {

    private final String member;
    private final MemberState state;

    MemberUnavailableException(String member, MemberState state, String message) {
        super(message);
        this.member = member;
        this.state = state;
    }

    /** The member, or {@code null} when no member of a tenant group was available. */
    public String member() {
        return member;
    }

    /** The member's state when it was refused, or {@code null} with {@link #member()}. */
    public MemberState state() {
        return state;
    }
}

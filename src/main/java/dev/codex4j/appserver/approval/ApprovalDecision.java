package dev.codex4j.appserver.approval;

/** An answer to a command-execution or file-change approval request. */
public enum ApprovalDecision {
    /** Run it this once. */
    ACCEPT("accept"),
    /** Run it, and don't ask again for the same thing in this session. */
    ACCEPT_FOR_SESSION("acceptForSession"),
    /** Don't run it; the agent is told and the turn continues. */
    DECLINE("decline"),
    /** Don't run it, and interrupt the turn. */
    CANCEL("cancel");

    private final String wireValue;

    ApprovalDecision(String wireValue) {
        this.wireValue = wireValue;
    }

    /** The value codex expects in {@code {"decision": ...}}. */
    public String wireValue() {
        return wireValue;
    }
}

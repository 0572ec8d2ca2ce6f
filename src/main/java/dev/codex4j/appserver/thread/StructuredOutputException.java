package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.AppServerException;


/** The agent's final message does not decode into the requested type; {@link #rawText()} is what it said. */
public class StructuredOutputException extends AppServerException {

    private final Class<?> type;
    private final String rawText;

    public StructuredOutputException(Class<?> type, String rawText, Throwable cause) {
        super("the agent's final message does not fit " + type.getSimpleName() + ": "
                + (cause == null ? "there was none" : cause.getMessage()) + "\nraw text: " + rawText, cause);
        this.type = type;
        this.rawText = rawText;
    }

    public Class<?> type() {
        return type;
    }

    /** The final message as the agent sent it, or {@code null} if the turn produced none. */
    public String rawText() {
        return rawText;
    }
}

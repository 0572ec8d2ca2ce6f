package dev.codex4j.appserver.protocol;

/**
 * Params that name the thread they are about. Implemented by the params record of every server
 * notification and server request whose schema has a string {@code threadId} property, so a caller can
 * filter by thread without knowing each type: {@code n.params() instanceof ThreadScoped s && id.equals(s.threadId())}.
 * {@link ServerNotification#threadId()} and {@link ServerRequest#threadId()} also cover messages that carry
 * the thread only nested ({@code thread/started}).
 */
public interface ThreadScoped {

    /** The thread's id; {@code null} only where the schema makes the property optional and it was absent. */
    String threadId();
}

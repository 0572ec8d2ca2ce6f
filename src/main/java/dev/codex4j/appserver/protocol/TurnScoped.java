package dev.codex4j.appserver.protocol;

/**
 * Params that name the turn they are about. Implemented by the params record of every server notification
 * and server request whose schema has a string {@code turnId} property. Not a {@link ThreadScoped} by
 * itself (a few protocol types have a turn id without a thread id), though every such params record today is
 * both. {@link ServerNotification#turnId()} also covers {@code turn/started} and {@code turn/completed},
 * which carry the turn nested.
 */
public interface TurnScoped {

    /** The turn's id; {@code null} only where the schema makes the property optional and it was absent. */
    String turnId();
}

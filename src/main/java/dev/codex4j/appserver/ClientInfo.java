package dev.codex4j.appserver;

import java.util.Objects;

/**
 * How the client introduces itself in {@code initialize}; codex puts it in its user agent.
 *
 * @param name a short machine name, e.g. {@code "my-service"}
 * @param title a display name, e.g. {@code "My Service"}
 * @param version the client's version
 */
public record ClientInfo(String name, String title, String version) {

    public ClientInfo {
        requireText(name, "name");
        requireText(title, "title");
        requireText(version, "version");
    }

    /** codex4j's own identity, used when the builder is given none. */
    public static ClientInfo codex4j() {
        return new ClientInfo("codex4j", "codex4j", Version.CURRENT);
    }

    private static void requireText(String value, String what) {
        Objects.requireNonNull(value, "clientInfo " + what);
        if (value.isBlank()) {
            throw new IllegalArgumentException("clientInfo " + what + " must not be blank");
        }
    }
}

package dev.codex4j.appserver;

/** Versions this build of codex4j knows. */
final class Version {

    /** codex4j's own version. */
    static final String CURRENT = "0.1.0";

    private Version() {}
}

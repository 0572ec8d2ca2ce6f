package dev.codex4j.appserver.rpc;

/**
 * What a client does when the app-server it started is not the codex version its protocol types were
 * generated for ({@code ProtocolVersion.CODEX_VERSION}). The version is read from the {@code userAgent} of
 * the {@code initialize} answer ({@code <client name>/<codex version> (<os>; <arch>) ...}) at every
 * handshake, restarts included. Another version may add, drop or reshape messages: the typed API then skips
 * or passes on raw what no longer fits, and the raw API sees whatever the server sends.
 */
public enum VersionCheck {
    /** Log one warning per client naming both versions, then carry on (the default). */
    WARN,
    /**
     * Refuse the server: the handshake fails with {@link ServerVersionMismatchException} (also when the
     * version cannot be read from the {@code userAgent}), the process is stopped and {@code start()} fails.
     */
    FAIL,
    /** Do not look (for example for a custom transport whose server reports no codex version). */
    SKIP
}

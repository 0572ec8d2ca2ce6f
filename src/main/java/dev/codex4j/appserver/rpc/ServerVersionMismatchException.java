package dev.codex4j.appserver.rpc;

/**
 * The app-server is not the codex version the protocol types were generated for, and the client was built
 * with {@link VersionCheck#FAIL}. The handshake did not complete and the process was stopped.
 */
public final class ServerVersionMismatchException extends AppServerException {

    private final String expectedVersion;
    private final String actualVersion;

    /**
     * @param actualVersion the server's version, or {@code null} if its {@code userAgent} did not tell
     * @param userAgent the server's {@code userAgent}, shown when it did not tell (redacted by the caller)
     */
    public ServerVersionMismatchException(String expectedVersion, String actualVersion, String userAgent) {
        super(actualVersion != null
                ? "codex app-server is version " + actualVersion + ", but codex4j's protocol types were generated for "
                        + expectedVersion + ": install codex-cli " + expectedVersion
                        + ", or build the client with versionCheck(VersionCheck.WARN) or SKIP to accept it"
                : "cannot tell the codex app-server's version from its userAgent '" + userAgent
                        + "'; codex4j's protocol types were generated for " + expectedVersion
                        + ": build the client with versionCheck(VersionCheck.SKIP) to accept it");
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    /** The codex version the protocol types were generated for. */
    public String expectedVersion() {
        return expectedVersion;
    }

    /** The version the server reported, or {@code null} if it could not be read. */
    public String actualVersion() {
        return actualVersion;
    }
}

package dev.codex4j.appserver.rpc;

/** The app-server process could not be started (missing executable, not executable, bad directory). */
public final class AppServerStartException extends AppServerException {

    public AppServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}

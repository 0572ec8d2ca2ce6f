package dev.codex4j.appserver.rpc;

/**
 * A request was made before {@link AppServerClient#start()} completed the initialize handshake. Nothing was
 * sent.
 */
public final class NotInitializedException extends AppServerException {

    public NotInitializedException(String method) {
        super("cannot send '" + method + "' before the initialize handshake has completed: call start() and await it");
    }
}

package dev.codex4j.appserver.rpc;

/** Base of every exception this library raises for a failure of the app-server or its connection. */
public class AppServerException extends RuntimeException {

    public AppServerException(String message) {
        super(message);
    }

    public AppServerException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.codex4j.appserver.session;

/** An incoming line that is not a JSON-RPC message this client can route. The connection carries on. */
public final class MalformedMessageException extends Exception {

    MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }

    MalformedMessageException(String message) {
        super(message);
    }
}

package dev.codex4j.appserver.rpc;

/** A response arrived but could not be converted to the type the caller asked for. */
public final class ResponseDecodingException extends AppServerException {

    public ResponseDecodingException(String method, Class<?> type, String detail, Throwable cause) {
        super("cannot decode the result of '" + method + "' as " + type.getName() + ": " + detail, cause);
    }
}

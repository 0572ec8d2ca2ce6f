package dev.codex4j.appserver.rpc;

import java.time.Duration;

/**
 * No response arrived within the request timeout. The request is forgotten: a late response is logged and
 * dropped.
 */
public final class RequestTimeoutException extends AppServerException {

    private final String method;
    private final Duration timeout;

    public RequestTimeoutException(String method, long id, Duration timeout) {
        super("no response to '" + method + "' (id " + id + ") within " + timeout);
        this.method = method;
        this.timeout = timeout;
    }

    public String method() {
        return method;
    }

    public Duration timeout() {
        return timeout;
    }
}

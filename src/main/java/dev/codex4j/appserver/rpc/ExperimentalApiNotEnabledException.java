package dev.codex4j.appserver.rpc;

/**
 * A method of codex's experimental API was called on a client started without it. Nothing was sent: the
 * server would reject it, and experimental methods may change between codex versions.
 */
public final class ExperimentalApiNotEnabledException extends AppServerException {

    public ExperimentalApiNotEnabledException(String method) {
        super("'" + method + "' is part of codex's experimental API; enable it with "
                + "AppServerClient.builder().experimentalApi(true)");
    }
}

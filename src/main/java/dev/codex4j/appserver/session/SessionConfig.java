package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.transport.SecretRedactor;
import dev.codex4j.appserver.transport.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * What one {@link Session} is made of, fixed when the client is built.
 *
 * @param transports opens the transport of each connection: the first, and one per restart
 * @param initializeParams the params of {@code initialize}
 * @param experimentalApi whether experimental methods may be sent
 * @param serverRequests answers the server's requests
 * @param observer is told of requests, notifications, connection losses and restarts
 * @param serverVersion checks the version each handshake's server reports
 * @param handshakeTimeout how long {@code initialize} may take, apart from {@code requestTimeout}: a server
 *     that starts slowly should not need a patient timeout on every request
 */
public record SessionConfig(
        Supplier<Transport> transports,
        ObjectMapper mapper,
        SecretRedactor redactor,
        Map<String, Object> initializeParams,
        boolean experimentalApi,
        Duration requestTimeout,
        Duration handshakeTimeout,
        int notificationBufferSize,
        OverloadRetryPolicy overloadRetry,
        RestartPolicy restartPolicy,
        ServerRequestHandler serverRequests,
        ServerVersion serverVersion,
        ClientObserver observer) {

    public SessionConfig {
        Objects.requireNonNull(transports, "transports");
        Objects.requireNonNull(mapper, "mapper");
        Objects.requireNonNull(redactor, "redactor");
        initializeParams = Map.copyOf(initializeParams);
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(overloadRetry, "overloadRetry");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(serverRequests, "serverRequests");
        Objects.requireNonNull(serverVersion, "serverVersion");
        Objects.requireNonNull(observer, "observer");
    }
}

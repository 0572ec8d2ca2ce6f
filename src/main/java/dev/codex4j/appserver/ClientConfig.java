package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.ProtocolVersion;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.rpc.VersionCheck;
import dev.codex4j.appserver.session.ServerRequestHandler;
import dev.codex4j.appserver.session.ServerVersion;
import dev.codex4j.appserver.session.SessionConfig;
import dev.codex4j.appserver.transport.SecretRedactor;
import dev.codex4j.appserver.transport.StdioOptions;
import dev.codex4j.appserver.transport.StdioTransport;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.WebSocketOptions;
import dev.codex4j.appserver.transport.WebSocketTransport;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Everything an {@link AppServerClient} was built with, fixed at {@link AppServerClientBuilder#build()}; and
 * how that becomes a session: the stdio transport to spawn (unless a WebSocket or custom one was given), the redactor,
 * the {@code initialize} params.
 */
record ClientConfig(
        Path executable,
        List<String> arguments,
        Map<String, String> environment,
        boolean inheritEnvironment,
        Path workingDirectory,
        ClientInfo clientInfo,
        ApprovalDecisions approvals,
        Duration requestTimeout,
        Duration handshakeTimeout,
        ObjectMapper objectMapper,
        boolean experimentalApi,
        List<String> optOutNotificationMethods,
        int notificationBufferSize,
        int maxLineBytes,
        Duration shutdownGrace,
        Supplier<Transport> transport,
        OverloadRetryPolicy overloadRetry,
        RestartPolicy restartPolicy,
        VersionCheck versionCheck,
        WebSocketOptions webSocket,
        ClientObserver observer) {

    /** The mapper to use: the configured one, else {@link AppServerClient#defaultObjectMapper()}. */
    ObjectMapper mapper() {
        return objectMapper != null ? objectMapper : AppServerClient.defaultObjectMapper();
    }

    /** Redacts what the child may echo: secret-looking values of the environment it sees; a bearer token. */
    SecretRedactor redactor() {
        Map<String, String> all = new LinkedHashMap<>(System.getenv()); // what the JVM has, the child may echo
        all.putAll(environment);
        return SecretRedactor.forEnvironment(all, webSocket == null ? List.of() : webSocket.knownSecrets());
    }

    SessionConfig sessionConfig(ObjectMapper mapper, SecretRedactor redactor, ServerRequestHandler serverRequests) {
        WebSocketOptions ws = webSocket == null ? null : webSocket.withRedactor(redactor);
        Supplier<Transport> transports = transport != null ? transport
                : ws != null ? () -> new WebSocketTransport(ws)
                : () -> new StdioTransport(command(), environment, inheritEnvironment, workingDirectory,
                        stdioOptions(redactor));
        return new SessionConfig(transports, mapper, redactor, initializeParams(), experimentalApi, requestTimeout,
                handshakeTimeout != null ? handshakeTimeout : requestTimeout,
                notificationBufferSize, overloadRetry, restartPolicy, serverRequests,
                new ServerVersion(versionCheck, clientInfo.name(), ProtocolVersion.CODEX_VERSION), observer);
    }

    private Map<String, Object> initializeParams() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("name", clientInfo.name());
        info.put("title", clientInfo.title());
        info.put("version", clientInfo.version());
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("experimentalApi", experimentalApi);
        if (!optOutNotificationMethods.isEmpty()) {
            capabilities.put("optOutNotificationMethods", optOutNotificationMethods);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("clientInfo", info);
        params.put("capabilities", capabilities);
        return params;
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(resolveExecutable().toString());
        command.add("app-server");
        command.addAll(arguments);
        return command;
    }

    private Path resolveExecutable() {
        if (executable != null) {
            return executable;
        }
        String fromEnv = System.getenv("CODEX_EXECUTABLE");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    Path candidate = Path.of(dir, "codex");
                    if (Files.isExecutable(candidate)) {
                        return candidate;
                    }
                }
            }
        }
        throw new IllegalStateException("no codex executable: set it with AppServerClient.builder().executable(...), "
                + "or the CODEX_EXECUTABLE environment variable, or put `codex` on the PATH");
    }

    private StdioOptions stdioOptions(SecretRedactor redactor) {
        StdioOptions d = StdioOptions.defaults();
        return new StdioOptions(maxLineBytes, d.stderrTailLines(), d.stderrTailLineChars(), shutdownGrace,
                d.terminateTimeout(), redactor);
    }
}

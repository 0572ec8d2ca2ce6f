package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.rpc.VersionCheck;
import dev.codex4j.appserver.transport.StdioOptions;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.WebSocketOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Configures an {@link AppServerClient}. Every setter validates its argument at once; {@link #build()}
 * spawns nothing ({@link AppServerClient#start()} does).
 */
public final class AppServerClientBuilder {

    private Path executable;
    private List<String> arguments = List.of();
    private Map<String, String> environment = Map.of();
    private boolean inheritEnvironment = true;
    private Path workingDirectory;
    private ClientInfo clientInfo = new ClientInfo("codex4j", "codex4j", Version.CURRENT);
    private ApprovalDecisions approvals = ApprovalDecisions.declineAll();
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration handshakeTimeout;
    private ObjectMapper objectMapper;
    private boolean experimentalApi;
    private List<String> optOutNotificationMethods = List.of();
    private int notificationBufferSize = 8192;
    private int maxLineBytes = StdioOptions.DEFAULT_MAX_LINE_BYTES;
    private Duration shutdownGrace = Duration.ofSeconds(2);
    private Supplier<Transport> transport;
    private OverloadRetryPolicy overloadRetry = OverloadRetryPolicy.defaults();
    private RestartPolicy restartPolicy = RestartPolicy.none();
    private VersionCheck versionCheck = VersionCheck.WARN;
    private ClientObserver observer = ClientObserver.none();
    private final WebSocketSettings webSocket = new WebSocketSettings();

    AppServerClientBuilder() {}

    /**
     * The codex executable. Default: {@code $CODEX_EXECUTABLE}, else {@code codex} on the {@code PATH}.
     * Prefer the native binary over the npm launcher script: the launcher runs it as a child process.
     */
    public AppServerClientBuilder executable(Path executable) {
        this.executable = Objects.requireNonNull(executable, "executable");
        return this;
    }

    /** Extra arguments after {@code app-server}, e.g. {@code List.of("-c", "model=o4-mini")}. */
    public AppServerClientBuilder arguments(List<String> arguments) {
        Objects.requireNonNull(arguments, "arguments");
        arguments.forEach(a -> Objects.requireNonNull(a, "arguments must not contain null"));
        this.arguments = List.copyOf(arguments);
        return this;
    }

    /** Variables added to (or overriding) the inherited environment, e.g. {@code CODEX_HOME}. */
    public AppServerClientBuilder environment(Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        environment.forEach((k, v) -> {
            Objects.requireNonNull(k, "environment names must not be null");
            Objects.requireNonNull(v, "environment value of " + k + " must not be null");
        });
        this.environment = Map.copyOf(environment);
        return this;
    }

    /**
     * Whether the app-server starts from this JVM's environment (the default), with
     * {@link #environment(Map)} added, or from {@link #environment(Map)} alone (then include {@code PATH}
     * and {@code HOME} yourself). Turning it off keeps credentials and proxy settings of the host out.
     */
    public AppServerClientBuilder inheritEnvironment(boolean inherit) {
        this.inheritEnvironment = inherit;
        return this;
    }

    /** The app-server's working directory; must exist. Default: the JVM's. */
    public AppServerClientBuilder workingDirectory(Path directory) {
        Objects.requireNonNull(directory, "workingDirectory");
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("workingDirectory is not a directory: " + directory);
        }
        this.workingDirectory = directory;
        return this;
    }

    /**
     * How the client introduces itself in {@code initialize}; codex puts it in its user agent. Default:
     * codex4j's own name and version.
     *
     * @param clientInfo a short machine {@code name} (e.g. {@code "my-service"}), a display {@code title}
     *     and the client's {@code version}, none of them blank
     */
    public AppServerClientBuilder clientInfo(ClientInfo clientInfo) {
        Objects.requireNonNull(clientInfo, "clientInfo");
        requireText(clientInfo.name(), "clientInfo name");
        requireText(clientInfo.title(), "clientInfo title");
        requireText(clientInfo.version(), "clientInfo version");
        this.clientInfo = clientInfo;
        return this;
    }

    private static void requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
    }

    /** Answers to the server's approval requests. Default: {@link ApprovalDecisions#declineAll()}. */
    public AppServerClientBuilder approvals(ApprovalDecisions approvals) {
        this.approvals = Objects.requireNonNull(approvals, "approvals");
        return this;
    }

    /**
     * How long a request waits for its response, unless it is sent with a timeout of its own (see
     * {@link AppServerClient#request(String, Object, Duration)}). Default: 60 seconds.
     */
    public AppServerClientBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = positive(timeout, "requestTimeout");
        return this;
    }

    /**
     * How long {@code initialize} waits for its answer, at start and after a restart: the time a server
     * takes to start up, which may be longer than any request should wait. Default: the
     * {@link #requestTimeout(Duration) requestTimeout}.
     */
    public AppServerClientBuilder handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = positive(timeout, "handshakeTimeout");
        return this;
    }

    /** The mapper for params and results. Default: {@link AppServerClient#defaultObjectMapper()}. */
    public AppServerClientBuilder objectMapper(ObjectMapper mapper) {
        this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
        return this;
    }

    /** Opts into codex's experimental API methods and fields. Default: off. */
    public AppServerClientBuilder experimentalApi(boolean enabled) {
        this.experimentalApi = enabled;
        return this;
    }

    /** Notification methods the server should not send to this client, e.g. {@code "thread/started"}. */
    public AppServerClientBuilder optOutNotificationMethods(List<String> methods) {
        Objects.requireNonNull(methods, "optOutNotificationMethods");
        methods.forEach(AppServerClient::requireMethod);
        this.optOutNotificationMethods = List.copyOf(methods);
        return this;
    }

    /** How far one notification subscriber may fall behind before its stream fails. Default: 8192. */
    public AppServerClientBuilder notificationBufferSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("notificationBufferSize must be positive: " + size);
        }
        this.notificationBufferSize = size;
        return this;
    }

    /** The longest line accepted from the server; a longer one fails the connection. Default: 128 MiB. */
    public AppServerClientBuilder maxLineBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxLineBytes must be at least 1024: " + bytes);
        }
        this.maxLineBytes = bytes;
        return this;
    }

    /** How long {@code close()} lets the server exit on its own before terminating it. Default: 2 s. */
    public AppServerClientBuilder shutdownGrace(Duration grace) {
        Objects.requireNonNull(grace, "shutdownGrace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative: " + grace);
        }
        this.shutdownGrace = grace;
        return this;
    }

    /**
     * How requests refused with JSON-RPC error -32001 (server overloaded) are retried. Default:
     * {@link OverloadRetryPolicy#defaults()}; {@link OverloadRetryPolicy#none()} turns retries off.
     */
    public AppServerClientBuilder overloadRetry(OverloadRetryPolicy retry) {
        this.overloadRetry = Objects.requireNonNull(retry, "overloadRetry");
        return this;
    }

    /**
     * Whether to start a new app-server after the one in use ends unexpectedly, re-run the handshake and
     * resume the known threads. Default: {@link RestartPolicy#none()}. See {@link RestartPolicy}.
     */
    public AppServerClientBuilder restartOnCrash(RestartPolicy policy) {
        this.restartPolicy = Objects.requireNonNull(policy, "restartOnCrash");
        return this;
    }

    /**
     * What to do when the app-server is not the codex version the protocol types were generated for
     * ({@link dev.codex4j.appserver.protocol.ProtocolVersion#CODEX_VERSION}), as its {@code initialize} answer
     * reports: {@link VersionCheck#WARN} (the default) logs once, {@link VersionCheck#FAIL} fails
     * {@link AppServerClient#start()} with a {@link dev.codex4j.appserver.rpc.ServerVersionMismatchException}
     * naming both versions, {@link VersionCheck#SKIP} does not look.
     */
    public AppServerClientBuilder versionCheck(VersionCheck check) {
        this.versionCheck = Objects.requireNonNull(check, "versionCheck");
        return this;
    }

    /**
     * Where the client reports its requests, notifications, approvals, turns, connection losses and restarts,
     * for metrics and traces: e.g. {@code MicrometerObservations.of(observationRegistry)} (package
     * {@code dev.codex4j.appserver.observation}, which needs Micrometer on the class path). Default:
     * {@link ClientObserver#none()}, which records nothing and loads no Micrometer class.
     */
    public AppServerClientBuilder observations(ClientObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Uses a custom transport instead of spawning {@code codex app-server} over stdio (the executable,
     * arguments, environment and working directory are then ignored). Called by {@code start()}, and again
     * for each restart with a {@link RestartPolicy}: return a new transport each time.
     */
    public AppServerClientBuilder transport(Supplier<Transport> transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    /**
     * Connects to a running app-server over a WebSocket instead of spawning one over stdio:
     * {@code ws://HOST:PORT}, {@code wss://...}, or {@code unix:///absolute/path} for a server started with
     * {@code --listen unix:///absolute/path} (see the README's "Remote app-servers"). The stdio options
     * (executable, arguments, environment, working directory) then do not apply, and setting them too makes
     * {@link #build()} fail; {@code maxLineBytes} limits each message and {@code shutdownGrace} the close handshake.
     */
    public AppServerClientBuilder webSocket(URI uri) {
        WebSocketOptions.builder(uri); // checks it
        webSocket.uri = uri;
        return this;
    }

    /** The token sent as {@code Authorization: Bearer <token>} on the WebSocket upgrade; masked in logs and errors. */
    public AppServerClientBuilder bearerToken(String token) {
        WebSocketOptions.builder(URI.create("ws://check")).bearerToken(token); // checks it without naming it
        webSocket.literalBearerToken = token;
        webSocket.bearerToken = () -> token;
        return this;
    }

    /** A token obtained anew for each connection (and reconnection), e.g. a short-lived signed JWT. */
    public AppServerClientBuilder bearerToken(Supplier<String> token) {
        webSocket.bearerToken = Objects.requireNonNull(token, "bearerToken");
        webSocket.literalBearerToken = null;
        return this;
    }

    /** Extra headers of the WebSocket upgrade request (not {@code Authorization}: see {@link #bearerToken}). */
    public AppServerClientBuilder webSocketHeaders(Map<String, String> headers) {
        WebSocketOptions.builder(URI.create("ws://check")).headers(headers); // checks them
        webSocket.headers = Map.copyOf(headers);
        return this;
    }

    /** How long opening the WebSocket connection (TCP, TLS, upgrade) may take. Default: 10 s. */
    public AppServerClientBuilder connectTimeout(Duration timeout) {
        webSocket.connectTimeout = positive(timeout, "connectTimeout");
        return this;
    }

    /**
     * After this long without a word from the server, a WebSocket ping; another such silence ends the connection.
     * Default: 30 s; {@link Duration#ZERO} turns pings off.
     */
    public AppServerClientBuilder pingInterval(Duration interval) {
        WebSocketOptions.builder(URI.create("ws://check")).pingInterval(interval); // checks it
        webSocket.pingInterval = interval;
        return this;
    }

    /** The TLS setup for a {@code wss://} server (a private CA, say). Default: the JDK's trust store. */
    public AppServerClientBuilder sslContext(SSLContext context) {
        webSocket.sslContext = Objects.requireNonNull(context, "sslContext");
        return this;
    }

    /**
     * A new client with this configuration; later changes to the builder do not affect it.
     *
     * @throws IllegalStateException if WebSocket and stdio options are mixed (see {@link #webSocket(URI)})
     */
    public AppServerClient build() {
        List<String> stdioSet = new ArrayList<>();
        if (executable != null) {
            stdioSet.add("executable(...)");
        }
        if (!arguments.isEmpty()) {
            stdioSet.add("arguments(...)");
        }
        if (!environment.isEmpty() || !inheritEnvironment) {
            stdioSet.add("environment(...)/inheritEnvironment(...)");
        }
        if (workingDirectory != null) {
            stdioSet.add("workingDirectory(...)");
        }
        WebSocketOptions ws = webSocket.options(stdioSet, transport != null, maxLineBytes, shutdownGrace);
        return AppServerClient.of(new ClientConfig(executable, arguments, environment, inheritEnvironment,
                workingDirectory, clientInfo, approvals, requestTimeout, handshakeTimeout, objectMapper, experimentalApi,
                optOutNotificationMethods, notificationBufferSize, maxLineBytes, shutdownGrace, transport,
                overloadRetry, restartPolicy, versionCheck, ws, observer));
    }

    static Duration positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }
}

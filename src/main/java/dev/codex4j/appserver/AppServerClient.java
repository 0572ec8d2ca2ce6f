package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.protocol.ClientMethod;
import dev.codex4j.appserver.protocol.NotificationMethod;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.ExperimentalApiNotEnabledException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.NotInitializedException;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.NotificationOverflowException;
import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.rpc.ResponseDecodingException;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.session.Session;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A long-lived connection to one {@code codex app-server} process.
 *
 * <pre>{@code
 * try (AppServerClient client = AppServerClient.builder()
 *         .environment(Map.of("CODEX_HOME", home.toString()))
 *         .workingDirectory(workspace)
 *         .clientInfo(new ClientInfo("my-service", "My Service", "1.0.0"))
 *         .build()) {
 *     client.notifications().subscribe(n -> System.out.println(n.method()));
 *     InitializeResponse init = client.start().block();
 *     JsonNode models = client.request("model/list", Map.of()).block();
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> One daemon thread reads the server's output, parses and routes it, and completes
 * responses as it reads them: request {@code Mono}s complete there, as on a reactive HTTP client's event
 * loop, so keep their continuations short or {@code publishOn} your own scheduler. One that blocks anyway
 * gets a new reader started after 2 ms (see {@link #request(String, Object)}). Notifications and approval
 * handlers run on library-owned daemon schedulers ({@code codex4j-dispatch-*}, {@code codex4j-handler-*}),
 * never on the reader, so they may block or call the client without stalling the connection. Writes are
 * serialized.
 *
 * <p><b>Requests</b> are cold: each subscription to a {@link #request} {@code Mono} sends one request.
 * Cancelling the subscription forgets the request (a late response is logged and dropped).
 *
 * <p><b>Timeouts.</b> A request waits for its response for the client-wide {@code requestTimeout}
 * ({@link AppServerClientBuilder#requestTimeout}, 60 s by default), or for the timeout given to the overloads
 * that take one, such as {@link #request(ClientMethod, Object, Duration)}: use those for a call that outlives
 * the client-wide one (a long {@code command/exec}) or should give up sooner. An overdue request fails with a
 * {@link RequestTimeoutException} naming the timeout it had, and is forgotten (a late response is logged and
 * dropped; the server may still be working on it). Each attempt of a request retried after "overloaded" waits
 * as long again. Overdue requests are found by a periodic sweep, so one fails up to a sweep interval after its
 * timeout (a tenth of the client-wide timeout, at most 250 ms); a per-call timeout shorter than ten intervals
 * gets an extra sweep at its deadline.
 *
 * <p><b>Failure.</b> When the process exits or its stdout closes, every pending request fails at once with a
 * {@link ConnectionClosedException} carrying the exit code and the last stderr lines, running approval
 * handlers are cancelled and {@link #notifications()} ends with the same error. After {@link #close()} it
 * completes instead. With a {@link RestartPolicy} ({@link AppServerClientBuilder#restartOnCrash}), the client starts a new
 * app-server instead of ending, and the stream carries on (see {@link ConnectionEvent}).
 *
 * <p><b>Overload.</b> A request refused with JSON-RPC error -32001 is sent again with backoff, within the
 * {@link OverloadRetryPolicy} budget ({@link AppServerClientBuilder#overloadRetry}); no other request is ever sent twice.
 */
public final class AppServerClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AppServerClient.class);

    /** A result longer than this is read and completed off the reader thread (see {@link #request}). */
    static final int READ_ELSEWHERE_BYTES = Session.READ_ELSEWHERE_BYTES;

    private final ClientConfig config;
    private final ObjectMapper mapper;
    private final SecretRedactor redactor;
    private final ApprovalDispatch approvals;
    private final Session session;
    private final AtomicBoolean warnedAcceptAll = new AtomicBoolean();
    private final Map<Class<?>, Object> attachments = new ConcurrentHashMap<>();

    private AppServerClient(ClientConfig config) {
        this.config = config;
        this.mapper = config.mapper();
        this.redactor = config.redactor();
        this.approvals = new ApprovalDispatch(config.approvals(), mapper, redactor, config.notificationBufferSize(),
                config.observer());
        this.session = new Session(config.sessionConfig(mapper, redactor, approvals));
        approvals.attach(session.dispatchScheduler());
    }

    /** A builder with safe defaults: declines all approvals, 60 s request timeout, stable API only. */
    public static AppServerClientBuilder builder() {
        return new AppServerClientBuilder();
    }

    static AppServerClient of(ClientConfig config) {
        return new AppServerClient(config);
    }

    /** The object mapper used when no other is configured: ignores unknown properties. */
    public static ObjectMapper defaultObjectMapper() {
        return JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    }

    /**
     * Spawns the app-server and runs the handshake: {@code initialize}, then the {@code initialized}
     * notification. Subscribing again (or calling {@code start()} again) does not start a second process; it
     * replays the outcome of the first start.
     *
     * <p>With a {@link RestartPolicy}, a start that fails to connect or loses its connection during the handshake
     * is tried again in the background (see {@link RestartPolicy}): this {@code Mono} still fails with the first
     * failure, and {@link #connectionEvents()} says when the client is up ({@code Restarted}) or gave up.
     *
     * @return the server's answer to {@code initialize}; fails with {@link AppServerStartException} if the
     *     process cannot be spawned, or with {@link ConnectionClosedException} if it dies during the handshake
     */
    public Mono<InitializeResponse> start() {
        return Mono.defer(() -> {
            if (config.approvals().acceptsWithoutAsking() && warnedAcceptAll.compareAndSet(false, true)) {
                log.warn("codex4j client starts with {}: every command and file change the agent asks for will be "
                        + "accepted without review", config.approvals());
            }
            return session.start();
        });
    }

    /** {@code true} once the handshake has completed and until the connection ends. */
    public boolean isReady() {
        return session.isReady();
    }

    /** The server's answer to {@code initialize}, once {@link #start()} has completed. */
    public InitializeResponse initializeResponse() {
        InitializeResponse response = session.initializeResponse();
        if (response == null) {
            throw new IllegalStateException("the handshake has not completed");
        }
        return response;
    }

    /**
     * Sends a request and returns its {@code result}.
     *
     * <p>The {@code Mono} completes on the connection's reader thread ({@code codex4j-stdout-<pid>}), as a
     * reactive HTTP client completes on its event loop: its continuations run there and hold up the responses
     * and notifications behind them, so keep them short, or {@code publishOn} a scheduler of your own for
     * heavy work. Blocking there (say, on another request) still works: once a continuation has held the
     * reader for 2 ms, a new reader takes over from the next line, as soon as a request is sent (by that
     * continuation or anyone) or at the latest at the next timeout sweep. Failures without a response
     * (timeouts, connection loss) arrive on a {@code codex4j-dispatch-*} thread.
     *
     * @param method the method name, e.g. {@code "thread/start"}
     * @param params a {@code Map}, a record or POJO, a {@link JsonNode}, or {@code null} for none; written with
     *     the client's object mapper
     * @return the result; errors with {@link JsonRpcErrorException} for an error response,
     *     {@link RequestTimeoutException}, {@link NotInitializedException} before the handshake,
     *     {@link ConnectionClosedException} once the connection has ended, or {@link IllegalArgumentException}
     *     if {@code params} cannot be serialized (nothing is sent then)
     */
    public Mono<JsonNode> request(String method, Object params) {
        requireMethod(method);
        return session.request(method, params);
    }

    /**
     * As {@link #request(String, Object)}, waiting up to {@code timeout} for the response instead of the
     * client-wide {@code requestTimeout}: longer for a call known to run long (a {@code command/exec} of a test
     * suite), shorter for one that should fail fast. See "Timeouts" on this class.
     *
     * @param timeout positive; one of decades or more waits without limit
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Mono<JsonNode> request(String method, Object params, Duration timeout) {
        requireMethod(method);
        return session.request(method, params, AppServerClientBuilder.positive(timeout, "timeout"));
    }

    /**
     * Sends a request of the typed protocol and decodes its result.
     *
     * <pre>{@code
     * ThreadStartResponse started = client.request(ClientMethods.THREAD_START,
     *         ThreadStartParams.builder().model("gpt-5-codex").build()).block();
     * }</pre>
     *
     * @param params the params; {@code null} for methods that take none ({@link ClientMethod#hasNoParams()})
     *     or whose params are optional
     * @throws NullPointerException if the method requires params and {@code params} is {@code null}
     * @throws IllegalArgumentException if the method takes no params and {@code params} is not {@code null}
     */
    public <P, R> Mono<R> request(ClientMethod<P, R> method, P params) {
        checkParams(method, params);
        return request(method.name(), params, method.resultType());
    }

    /**
     * {@link #request(ClientMethod, Object)} waiting up to {@code timeout} for the response instead of the
     * client-wide {@code requestTimeout} (see "Timeouts" on this class).
     *
     * <pre>{@code
     * CommandExecResponse run = client.request(ClientMethods.COMMAND_EXEC, CommandExecParams.builder()
     *         .command(List.of("mvn", "-q", "test"))
     *         .timeoutMs(Duration.ofMinutes(20).toMillis()) // codex's own limit: 10 s unless lifted
     *         .build(), Duration.ofMinutes(21)).block();
     * }</pre>
     *
     * @throws IllegalArgumentException also if {@code timeout} is zero or negative
     */
    public <P, R> Mono<R> request(ClientMethod<P, R> method, P params, Duration timeout) {
        checkParams(method, params);
        return request(method.name(), params, method.resultType(), timeout);
    }

    private static void checkParams(ClientMethod<?, ?> method, Object params) {
        Objects.requireNonNull(method, "method");
        if (method.hasNoParams() && params != null) {
            throw new IllegalArgumentException("'" + method.name() + "' takes no params");
        }
        if (params == null && method.paramsRequired() && !method.hasNoParams()) {
            throw new NullPointerException("'" + method.name() + "' requires params of type "
                    + method.paramsType().getSimpleName());
        }
    }

    /** Sends a request and converts its result to {@code resultType} with the client's object mapper. */
    public <T> Mono<T> request(String method, Object params, Class<T> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return request(method, params, mapper.constructType(resultType));
    }

    /** {@link #request(String, Object, Class)} waiting up to {@code timeout} (see "Timeouts" on this class). */
    public <T> Mono<T> request(String method, Object params, Class<T> resultType, Duration timeout) {
        Objects.requireNonNull(resultType, "resultType");
        return decoded(request(method, params, timeout), method, mapper.constructType(resultType));
    }

    /** Sends a request and converts its result to {@code resultType} (for generic types). */
    public <T> Mono<T> request(String method, Object params, JavaType resultType) {
        requireMethod(method);
        Objects.requireNonNull(resultType, "resultType");
        return decoded(session.request(method, params), method, resultType);
    }

    private <T> Mono<T> decoded(Mono<JsonNode> result, String method, JavaType resultType) {
        return result.handle((node, sink) -> {
            try {
                T value = mapper.treeToValue(node, resultType);
                if (value != null) {
                    sink.next(value);
                }
            } catch (IOException | IllegalArgumentException e) {
                sink.error(new ResponseDecodingException(method, resultType.getRawClass(),
                        redactor.redact(e.getMessage()), e));
            }
        });
    }

    /** Sends a notification (a message with no response). Completes once it is written. */
    public Mono<Void> sendNotification(String method, Object params) {
        requireMethod(method);
        return Mono.fromRunnable(() -> session.sendNotification(method, params));
    }

    /**
     * All notifications from the server, as a hot stream: each subscriber sees those that arrive after it
     * subscribes, in wire order, on a library thread. Subscribe before {@link #start()} to see the ones the
     * server sends during and right after the handshake. Notifications of methods this library does not know
     * pass through unchanged.
     *
     * <p>Each subscriber has a buffer of {@code notificationBufferSize}; one that falls further behind gets
     * what it had buffered and then a {@link NotificationOverflowException}. The stream completes on
     * {@link #close()} and errors with a {@link ConnectionClosedException} if the connection fails (with a
     * {@link RestartPolicy}: only once no restart is left; until then it carries {@link ConnectionEvent}s).
     */
    public Flux<Notification> notifications() {
        return session.notifications();
    }

    /** The notifications with the given method name. */
    public Flux<Notification> notifications(String method) {
        requireMethod(method);
        return session.notifications().filter(n -> n.method().equals(method));
    }

    /**
     * The notifications of one method, decoded into their generated type on the subscriber's thread.
     *
     * <pre>{@code
     * client.notifications(ServerNotifications.ITEM_AGENT_MESSAGE_DELTA)
     *         .subscribe(delta -> System.out.print(delta.delta()));
     * }</pre>
     *
     * A notification whose params do not fit the type (a server newer than this library changed it) is
     * logged and skipped here; {@link #notifications()} still carries it raw.
     */
    public <T> Flux<T> notifications(NotificationMethod<T> method) {
        Objects.requireNonNull(method, "method");
        String name = method.name();
        ObjectReader reader = session.reader().readerFor(method.payloadType());
        return session.notifications().filter(n -> n.method().equals(name)).handle((n, sink) -> {
            T value;
            try {
                value = n.params(reader);
            } catch (IOException | RuntimeException e) {
                log.warn("skipping a '{}' notification that does not fit {}: {}", name,
                        method.payloadType().getSimpleName(), redactor.redact(e.getMessage()));
                return;
            }
            if (value == null) {
                log.warn("skipping a '{}' notification without params", name);
            } else {
                sink.next(value);
            }
        });
    }

    /**
     * All notifications, decoded into the sealed {@link ServerNotification} to switch over. Methods this
     * library does not know, and known ones whose params no longer fit their type, arrive as
     * {@link ServerNotification.UnknownNotification} with the raw params, so nothing is lost.
     *
     * <pre>{@code
     * client.typedNotifications().subscribe(n -> {
     *     if (n instanceof ServerNotification.ItemAgentMessageDelta d) {
     *         System.out.print(d.params().delta());
     *     } else if (n instanceof ServerNotification.TurnCompleted c) {
     *         System.out.println(c.params().turn().status());
     *     }
     * });
     * }</pre>
     * (On Java 21 and later, a pattern {@code switch} over the sealed type does the same.)
     */
    public Flux<ServerNotification> typedNotifications() {
        return session.notifications().map(this::decode);
    }

    /**
     * The connection events of a client with a {@link RestartPolicy}: {@link ConnectionEvent.ConnectionLost}
     * when the app-server ends unexpectedly, {@link ConnectionEvent.Restarted} once a new one is up with the
     * known threads resumed. The same events as the reserved notifications in {@link #notifications()}
     * ({@link ConnectionEvent#LOST}, {@link ConnectionEvent#RESTARTED}), on a stream of their own that ends
     * when that one ends; its subscribers are not handed the other notifications. Without a restart policy it
     * carries nothing.
     */
    public Flux<ConnectionEvent> connectionEvents() {
        return session.connectionEvents();
    }

    private ServerNotification decode(Notification n) {
        try {
            return ServerNotifications.decode(mapper, n.method(), n.params());
        } catch (IllegalArgumentException e) {
            log.warn("'{}' notification does not fit its type; passing it on undecoded: {}", n.method(),
                    redactor.redact(e.getMessage()));
            return new ServerNotification.UnknownNotification(n.method(), n.params());
        }
    }

    /**
     * Answers the server requests of one thread with {@code approvals} instead of the client-wide ones, for
     * the request kinds it has a handler for, until the returned {@code Disposable} is disposed. The turn
     * layer uses this for per-turn handlers; a later override of the same thread replaces an earlier one.
     */
    public Disposable overrideApprovals(String threadId, ApprovalDecisions approvals) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(approvals, "approvals");
        return this.approvals.override(threadId, approvals);
    }

    /**
     * Every answer given to a server request (and every request abandoned because it was resolved elsewhere,
     * its turn ended or the connection dropped): what was decided, by whom, for which thread, turn and item,
     * secrets redacted. Hot, like {@link #notifications()}; completes when the connection ends.
     */
    public Flux<ApprovalEvent> approvalEvents() {
        return approvals.events();
    }

    /** Where this client reports its work (see {@link AppServerClientBuilder#observations}); for the thread API. */
    public ClientObserver observer() {
        return config.observer();
    }

    /** The object mapper this client reads and writes JSON with. */
    public ObjectMapper objectMapper() {
        return mapper;
    }

    /** How many incoming lines were not valid messages and were skipped. */
    public long malformedLineCount() {
        return session.malformedLineCount();
    }

    /**
     * Gives up on the app-server as if it had crashed: for one that is alive but no longer answers (say, a
     * health check timed out). Every pending request fails at once with a {@link ConnectionClosedException}
     * saying {@code reason}, as do running turns of the thread API; the connection is closed in the background
     * (a spawned process gets the shutdown grace period, then its tree is killed). With a {@link RestartPolicy}
     * the client then starts a new app-server once the old one is gone and resumes its threads
     * ({@link ConnectionEvent}); without one it ends as after a crash. Does nothing unless the client is ready.
     *
     * @param reason why, for the exceptions and the log; must not hold secrets
     * @return {@code true} if this call gave the connection up
     */
    public boolean dropConnection(String reason) {
        Objects.requireNonNull(reason, "reason");
        return session.dropConnection(reason);
    }

    /** How many requests await a response. */
    public int pendingRequestCount() {
        return session.pendingRequestCount();
    }

    /** The last stderr lines of the app-server, secrets redacted. */
    public List<String> stderrTail() {
        return session.stderrTail();
    }

    /**
     * Ends the connection and the app-server: closes its stdin, waits up to the shutdown grace period for it
     * to exit, then terminates and finally kills the whole process tree. Pending requests fail with a
     * {@link ConnectionClosedException}; {@link #notifications()} completes. Idempotent and safe to call from
     * any thread.
     */
    @Override
    public void close() {
        session.close();
        attachments.values().forEach(attachment -> {
            if (attachment instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.warn("closing {} failed", attachment.getClass().getName(), e);
                }
            }
        });
    }

    /**
     * The {@code type} attached to this client, created by {@code create} on first use. Layers built on the
     * client (such as {@code dev.codex4j.appserver.thread}) keep their per-client state here, so the client
     * needs to know nothing of them and nothing is kept in static registries. An attachment that is
     * {@link AutoCloseable} is closed by {@link #close()}.
     */
    public <T> T attachment(Class<T> type, Supplier<? extends T> create) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(create, "create");
        return type.cast(attachments.computeIfAbsent(type, t -> Objects.requireNonNull(create.get(), "attachment")));
    }

    /**
     * {@link #close()} without blocking the caller: the returned {@code Mono} completes when it is done. It
     * runs on a short-lived daemon thread of its own ({@code codex4j.close}), not on a shared scheduler.
     */
    public Mono<Void> closeGracefully() {
        // Not named codex4j-*: the session would take it for one of its own threads and not wait for dispatch.
        return Mono.create(sink -> {
            Thread closer = new Thread(() -> {
                try {
                    close();
                    sink.success();
                } catch (Throwable e) {
                    sink.error(e);
                }
            }, "codex4j.close");
            closer.setDaemon(true);
            closer.start();
        });
    }

    static void requireMethod(String method) {
        Objects.requireNonNull(method, "method");
        if (method.isBlank()) {
            throw new IllegalArgumentException("method must not be blank");
        }
    }
}

package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.codex4j.appserver.approval.ApprovalContext;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.protocol.types.ClientInfo;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.ClientMethod;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.NotificationMethod;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.rpc.IncomingMessage;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.MalformedMessageException;
import dev.codex4j.appserver.rpc.MessageCodec;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.PendingRequests;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.rpc.ServerRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import dev.codex4j.appserver.thread.BlockingCodexThreads;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.transport.SecretRedactor;
import dev.codex4j.appserver.transport.StdioOptions;
import dev.codex4j.appserver.transport.StdioTransport;
import dev.codex4j.appserver.transport.Transport;
import dev.codex4j.appserver.transport.TransportClosed;
import dev.codex4j.appserver.transport.TransportListener;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

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
 * <p><b>Failure.</b> When the process exits or its stdout closes, every pending request fails at once with a
 * {@link ConnectionClosedException} carrying the exit code and the last stderr lines, running approval
 * handlers are cancelled and {@link #notifications()} ends with the same error. After {@link #close()} it
 * completes instead. With a {@link RestartPolicy} ({@link Builder#restartOnCrash}), the client starts a new
 * app-server instead of ending, and the stream carries on (see {@link ConnectionEvent}).
 *
 * <p><b>Overload.</b> A request refused with JSON-RPC error -32001 is sent again with backoff, within the
 * {@link OverloadRetry} budget ({@link Builder#overloadRetry}); no other request is ever sent twice.
 */
public final class AppServerClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AppServerClient.class);
    private static final String THREAD_PREFIX = "codex4j-";
    private static final int MALFORMED_PREVIEW_CHARS = 200;
    private static final int MAX_TRACKED_ITEMS = 4096;

    private enum State { NEW, STARTING, READY, RESTARTING, CLOSED }

    private final Builder config;
    private final ObjectMapper mapper;
    private final MessageCodec codec;
    private final PendingRequests pending = new PendingRequests();
    private final Scheduler dispatch;
    private final Scheduler handlers;
    private final Scheduler timer;
    private final Broadcast<Notification> hub;
    private final Broadcast<ApprovalEvent> approvalEvents;
    private final ApprovalContext approvalContext = new ClientApprovalContext();
    /** Command and file-change items announced by item/started and not yet completed, for approval rules. */
    private final Map<String, JsonNode> startedItems = new ConcurrentHashMap<>();
    private final Map<RequestId, RunningHandler> runningHandlers = new ConcurrentHashMap<>();
    private final Map<String, ApprovalDecisions> approvalOverrides = new ConcurrentHashMap<>();
    private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    private final CompletableFuture<InitializeResponse> started = new CompletableFuture<>();
    private final LongAdder malformedLines = new LongAdder();
    private final SecretRedactor redactor;
    private final OverloadRetrier overload;
    /** {@code null} unless a {@link RestartPolicy} is configured. */
    private final CrashRecovery recovery;
    /** Orders opening a connection against {@link #close()}, so no process is spawned after close. */
    private final Object lifecycle = new Object();

    private volatile Transport transport;
    private volatile Inbound connection;
    private volatile ConnectionClosedException closedWith;

    private AppServerClient(Builder config) {
        this.config = config;
        this.mapper = config.objectMapper != null ? config.objectMapper : defaultObjectMapper();
        this.codec = new MessageCodec(mapper);
        this.redactor = SecretRedactor.forEnvironment(secretSources(config), List.of());
        this.dispatch = Schedulers.newBoundedElastic(
                Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE, Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                THREAD_PREFIX + "dispatch", 60, true);
        this.handlers = Schedulers.newBoundedElastic(
                Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE, Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                THREAD_PREFIX + "handler", 60, true);
        this.timer = Schedulers.newSingle(THREAD_PREFIX + "timer", true);
        this.hub = new Broadcast<>(dispatch, config.notificationBufferSize);
        this.approvalEvents = new Broadcast<>(dispatch, config.notificationBufferSize);
        this.overload = new OverloadRetrier(config.overloadRetry);
        this.recovery = config.restartPolicy.enabled()
                ? new CrashRecovery(config.restartPolicy, new RecoveryHost(), timer, handlers) : null;
    }

    /** A builder with safe defaults: declines all approvals, 60 s request timeout, stable API only. */
    public static Builder builder() {
        return new Builder();
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
     * @return the server's answer to {@code initialize}; fails with {@link AppServerStartException} if the
     *     process cannot be spawned, or with {@link ConnectionClosedException} if it dies during the handshake
     */
    public Mono<InitializeResponse> start() {
        return Mono.defer(() -> {
            if (state.compareAndSet(State.NEW, State.STARTING)) {
                launch();
            }
            return Mono.fromFuture(started, true);
        }).publishOn(dispatchOrImmediate());
    }

    /** {@code true} once the handshake has completed and until the connection ends. */
    public boolean isReady() {
        return state.get() == State.READY;
    }

    /** The server's answer to {@code initialize}, once {@link #start()} has completed. */
    public InitializeResponse initializeResponse() {
        InitializeResponse response = started.getNow(null);
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
        return send(method, params, false);
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
        Objects.requireNonNull(method, "method");
        if (method.hasNoParams() && params != null) {
            throw new IllegalArgumentException("'" + method.name() + "' takes no params");
        }
        if (params == null && method.paramsRequired() && !method.hasNoParams()) {
            throw new NullPointerException("'" + method.name() + "' requires params of type "
                    + method.paramsType().getSimpleName());
        }
        return request(method.name(), params, method.resultType());
    }

    /** Sends a request and converts its result to {@code resultType} with the client's object mapper. */
    public <T> Mono<T> request(String method, Object params, Class<T> resultType) {
        Objects.requireNonNull(resultType, "resultType");
        return request(method, params, mapper.constructType(resultType));
    }

    /** Sends a request and converts its result to {@code resultType} (for generic types). */
    public <T> Mono<T> request(String method, Object params, JavaType resultType) {
        requireMethod(method);
        Objects.requireNonNull(resultType, "resultType");
        return send(method, params, false).handle((node, sink) -> {
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
    public Mono<Void> notify(String method, Object params) {
        requireMethod(method);
        return Mono.fromRunnable(() -> write(method, params, false));
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
        return hub.flux();
    }

    /** The notifications with the given method name. */
    public Flux<Notification> notifications(String method) {
        requireMethod(method);
        return hub.flux().filter(n -> n.method().equals(method));
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
        ObjectReader reader = codec.reader().readerFor(method.payloadType());
        return hub.flux().filter(n -> n.method().equals(name)).handle((n, sink) -> {
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
        return hub.flux().map(this::decode);
    }

    /**
     * The connection events of a client with a {@link RestartPolicy}: {@link ConnectionEvent.ConnectionLost}
     * when the app-server ends unexpectedly, {@link ConnectionEvent.Restarted} once a new one is up with the
     * known threads resumed. A view of the reserved notifications in {@link #notifications()}
     * ({@link ConnectionEvent#LOST}, {@link ConnectionEvent#RESTARTED}), so it ends when that stream ends.
     * Without a restart policy it carries nothing.
     */
    public Flux<ConnectionEvent> connectionEvents() {
        return hub.flux().handle((n, sink) -> CrashRecovery.eventOf(n).ifPresent(sink::next));
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
        approvalOverrides.put(threadId, approvals);
        return () -> approvalOverrides.remove(threadId, approvals);
    }

    /**
     * Every answer given to a server request (and every request abandoned because it was resolved elsewhere,
     * its turn ended or the connection dropped): what was decided, by whom, for which thread, turn and item,
     * secrets redacted. Hot, like {@link #notifications()}; completes when the connection ends.
     */
    public Flux<ApprovalEvent> approvalEvents() {
        return approvalEvents.flux();
    }

    /** The object mapper this client reads and writes JSON with. */
    public ObjectMapper objectMapper() {
        return mapper;
    }

    /** How many incoming lines were not valid messages and were skipped. */
    public long malformedLineCount() {
        return malformedLines.sum();
    }

    /** How many requests await a response. */
    public int pendingRequestCount() {
        return pending.size();
    }

    /** The last stderr lines of the app-server, secrets redacted. */
    public List<String> stderrTail() {
        Transport t = transport;
        return t == null ? List.of() : t.diagnosticTail();
    }

    /**
     * Ends the connection and the app-server: closes its stdin, waits up to the shutdown grace period for it
     * to exit, then terminates and finally kills the whole process tree. Pending requests fail with a
     * {@link ConnectionClosedException}; {@link #notifications()} completes. Idempotent and safe to call from
     * any thread.
     */
    @Override
    public void close() {
        State previous;
        Transport t;
        synchronized (lifecycle) {
            previous = state.getAndSet(State.CLOSED);
            t = transport;
        }
        if (previous == State.CLOSED && t == null) {
            return;
        }
        if (t != null) {
            t.close(); // reports through onClosed, which fails what is pending
        }
        // Also ends a client whose connection had already ended, e.g. while restarting after a crash.
        shutdown(new ConnectionClosedException(t == null ? "client closed before start" : "closed by client",
                null, List.of(), true, null), true);
        disposeSchedulers();
    }

    /** {@link #close()} without blocking the caller: the returned {@code Mono} completes when it is done. */
    public Mono<Void> closeGracefully() {
        // On a short-lived daemon thread of its own, not on Reactor's global boundedElastic scheduler. Not named
        // codex4j-*: disposeSchedulers() would take it for one of the client's threads and not wait for dispatch.
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

    // --- threads and turns (the high-level API in dev.codex4j.appserver.thread) ----------------------

    /** Threads and turns on this client: start, resume, fork, read, list, archive; see {@link CodexThreads}. */
    public CodexThreads threads() {
        return CodexThreads.of(this);
    }

    /** Starts a new thread; see {@link CodexThreads#start(ThreadOptions)}. */
    public Mono<CodexThread> startThread(ThreadOptions options) {
        return threads().start(options);
    }

    /** Resumes a thread by id; see {@link CodexThreads#resume(String, ThreadOptions)}. */
    public Mono<CodexThread> resumeThread(String threadId, ThreadOptions options) {
        return threads().resume(threadId, options);
    }

    /** Forks a thread; see {@link CodexThreads#fork(String, ThreadOptions)}. */
    public Mono<CodexThread> forkThread(String threadId, ThreadOptions options) {
        return threads().fork(threadId, options);
    }

    /** Reads a thread with its turns; see {@link CodexThreads#read(String, boolean)}. */
    public Mono<dev.codex4j.appserver.protocol.types.Thread> readThread(String threadId) {
        return threads().read(threadId, true);
    }

    /** Every stored thread, page by page; see {@link CodexThreads#list(ThreadListParams)}. */
    public Flux<dev.codex4j.appserver.protocol.types.Thread> listThreads(ThreadListParams filter) {
        return threads().list(filter);
    }

    /** The thread API for callers that do not use Reactor; see {@link BlockingCodexThreads}. */
    public BlockingCodexThreads blocking() {
        return threads().blocking();
    }

    // --- starting ------------------------------------------------------------------------------------

    private void launch() {
        if (config.approvals.acceptsWithoutAsking()) {
            log.warn("codex4j client starts with {}: every command and file change the agent asks for will be "
                    + "accepted without review", config.approvals);
        }
        long tick = timeoutSweepInterval(config.requestTimeout).toNanos();
        timer.schedulePeriodically(() -> {
            long now = System.nanoTime();
            pending.failExpired(now, (id, method) -> new RequestTimeoutException(method, id, config.requestTimeout));
            Inbound current = connection;
            if (current != null) {
                current.completions.rescueIfHeld(now);
            }
        }, tick, tick, TimeUnit.NANOSECONDS);
        connect().subscribe(response -> {
            if (state.compareAndSet(State.STARTING, State.READY)) {
                started.complete(response);
            } else {
                started.completeExceptionally(closedOr("the client was closed during the handshake"));
            }
        }, error -> {
            if (error instanceof AppServerStartException failure) {
                started.completeExceptionally(failure);
                state.set(State.CLOSED);
                shutdown(new ConnectionClosedException("start failed", null, List.of(), false, failure), false);
            } else {
                handshakeFailed(error);
            }
        });
    }

    /** How often overdue requests are looked for: a tenth of the timeout, between 1 ms and 250 ms. */
    static Duration timeoutSweepInterval(Duration requestTimeout) {
        Duration tenth = requestTimeout.dividedBy(10);
        Duration min = Duration.ofMillis(1);
        Duration max = Duration.ofMillis(250);
        return tenth.compareTo(min) < 0 ? min : tenth.compareTo(max) > 0 ? max : tenth;
    }

    /** Opens a new connection (a process, unless a custom transport is configured) and runs the handshake. */
    private Mono<InitializeResponse> connect() {
        return Mono.defer(() -> {
            try {
                openTransport();
            } catch (IOException | RuntimeException e) {
                return Mono.error(new AppServerStartException(
                        "cannot start codex app-server: " + redactor.redact(e.getMessage()), e));
            }
            return handshake();
        });
    }

    private void openTransport() throws IOException {
        synchronized (lifecycle) {
            if (state.get() == State.CLOSED) {
                throw new IOException("the client is closed");
            }
            Transport t = config.transport != null ? config.transport.get() : new StdioTransport(command(),
                    config.environment, config.inheritEnvironment, config.workingDirectory, stdioOptions());
            Inbound inbound = new Inbound(t);
            transport = t;
            connection = inbound;
            t.start(inbound);
        }
    }

    private Mono<InitializeResponse> handshake() {
        return send("initialize", initializeParams(), true)
                .flatMap(result -> {
                    InitializeResponse response;
                    try {
                        response = mapper.treeToValue(result, InitializeResponse.class);
                    } catch (IOException e) {
                        return Mono.error(new ResponseDecodingException("initialize", InitializeResponse.class,
                                redactor.redact(e.getMessage()), e));
                    }
                    write("initialized", null, true);
                    return Mono.just(response);
                });
    }

    /** A server that cannot complete the handshake is of no use: end it rather than leave it running. */
    private void handshakeFailed(Throwable error) {
        started.completeExceptionally(error);
        if (state.compareAndSet(State.STARTING, State.CLOSED)) {
            log.warn("initialize handshake failed; closing the app-server: {}", error.toString());
            Transport t = transport;
            handlers.schedule(t::close);
        }
    }

    private List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(resolveExecutable().toString());
        command.add("app-server");
        command.addAll(config.arguments);
        return command;
    }

    private Path resolveExecutable() {
        if (config.executable != null) {
            return config.executable;
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

    private StdioOptions stdioOptions() {
        StdioOptions d = StdioOptions.defaults();
        return new StdioOptions(config.maxLineBytes, d.stderrTailLines(), d.stderrTailLineChars(),
                config.shutdownGrace, d.terminateTimeout(), redactor);
    }

    private Map<String, Object> initializeParams() {
        Map<String, Object> clientInfo = new LinkedHashMap<>();
        clientInfo.put("name", config.clientInfo.name());
        clientInfo.put("title", config.clientInfo.title());
        clientInfo.put("version", config.clientInfo.version());
        Map<String, Object> capabilities = new LinkedHashMap<>();
        capabilities.put("experimentalApi", config.experimentalApi);
        if (!config.optOutNotificationMethods.isEmpty()) {
            capabilities.put("optOutNotificationMethods", config.optOutNotificationMethods);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("clientInfo", clientInfo);
        params.put("capabilities", capabilities);
        return params;
    }

    // --- sending -------------------------------------------------------------------------------------

    /** One request, sent again only while the server answers "overloaded" (see {@link OverloadRetry}). */
    private Mono<JsonNode> send(String method, Object params, boolean handshake) {
        Mono<JsonNode> result = new RequestPublisher(method, params, handshake);
        return recovery == null ? result
                : result.doOnNext(r -> recovery.observeResult(method, params, r, mapper));
    }

    /**
     * A cold {@code Mono} of one request: each subscription sends it under a new id, and again (under another
     * new id) while the server answers "overloaded" and the {@link OverloadRetry} budget lasts.
     */
    private final class RequestPublisher extends Mono<JsonNode> {

        private final String method;
        private final Object params;
        private final boolean handshake;

        RequestPublisher(String method, Object params, boolean handshake) {
            this.method = method;
            this.params = params;
            this.handshake = handshake;
        }

        @Override
        public void subscribe(CoreSubscriber<? super JsonNode> actual) {
            Attempts attempts = new Attempts(method, params, handshake);
            RequestCall call = new RequestCall(actual, attempts, AppServerClient.this::deliver);
            attempts.call = call;
            call.onCancel(attempts);
            actual.onSubscribe(call);
            if (!call.isDone()) {
                attempts.send();
            }
        }
    }

    /**
     * One subscription's request: sends it, forgets it when the subscriber cancels, and turns its error
     * responses into the subscriber's exception, or into another attempt (under a new id) after a wait.
     */
    private final class Attempts implements RequestCall.ErrorMapper, Runnable {

        private final String method;
        private final Object params;
        private final boolean handshake;
        private RequestCall call;
        /** When the first attempt was registered; written before it is sent, read on its error response. */
        private long firstSentAt;
        private int number = 1; // only the thread completing the current attempt touches it
        private volatile long id; // of the current attempt, 0 before it is registered

        Attempts(String method, Object params, boolean handshake) {
            this.method = method;
            this.params = params;
            this.handshake = handshake;
        }

        /** The subscriber cancelled: forget the current attempt (a late response is dropped). */
        @Override
        public void run() {
            long current = id;
            if (current != 0) {
                pending.remove(current);
            }
        }

        @Override
        public Throwable of(Response errorResponse) {
            JsonRpcError error = redacted(errorResponse.error());
            if (!OverloadRetrier.isOverloaded(error)) {
                return new JsonRpcErrorException(method, error);
            }
            Duration wait = overload.nextWait(method, number, firstSentAt);
            if (wait == null) {
                return OverloadRetrier.exhausted(method, error, number, firstSentAt);
            }
            number++;
            try {
                // on the dispatch pool: a failure to send runs the subscriber's onError there
                dispatch.schedule(this::send, wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return closedOr("the client is closed");
            }
            return null;
        }

        /** Sends the current attempt under a new id, or fails the call if it cannot be sent. */
        void send() {
            ConnectionClosedException closed = closedWith;
            if (closed != null) {
                call.fail(closed);
                return;
            }
            if (!handshake && state.get() != State.READY) {
                call.fail(notReady(method));
                return;
            }
            if (!config.experimentalApi && EXPERIMENTAL_METHODS.contains(method)) {
                call.fail(new ExperimentalApiNotEnabledException(method));
                return;
            }
            long next = pending.nextId();
            byte[] bytes;
            try {
                bytes = codec.encodeRequest(next, method, params);
            } catch (IllegalArgumentException e) {
                call.fail(new IllegalArgumentException("cannot serialize the params of '" + method + "': "
                        + e.getMessage(), e));
                return;
            }
            long now = System.nanoTime();
            if (firstSentAt == 0) {
                firstSentAt = now;
            }
            id = next;
            pending.register(next, method, now + config.requestTimeout.toNanos(), call);
            if (call.isDone()) { // cancelled meanwhile: its cancel may have run before the registration
                pending.remove(next);
                return;
            }
            Inbound via = connection;
            ConnectionClosedException ended = via.ended;
            if (ended != null) { // the connection ended while this was registered: its end may have missed it
                pending.fail(next, ended);
                return;
            }
            via.completions.beforeSend(now);
            try {
                via.transport.send(bytes);
            } catch (IOException e) {
                // The transport is ending; its report fails this request with the exit code and stderr.
                log.debug("writing '{}' (id {}) failed: {}", method, next, e.toString());
            }
        }
    }

    /**
     * A result longer than this (a thread's history, a file) is read into its tree, and its request completed,
     * on the dispatch pool rather than the reader: parsing it would keep the reader from the lines behind it
     * for milliseconds, more than a hand-off costs.
     */
    static final int READ_ELSEWHERE_BYTES = 64 * 1024;

    private void write(String method, Object params, boolean handshake) {
        ConnectionClosedException closed = closedWith;
        if (closed != null) {
            throw closed;
        }
        if (!handshake && state.get() != State.READY) {
            throw notReady(method);
        }
        byte[] bytes = codec.encodeNotification(method, params);
        Inbound via = connection;
        if (via != null) {
            via.completions.beforeSend(System.nanoTime());
        }
        try {
            transport.send(bytes);
        } catch (IOException e) {
            throw closedOr("writing '" + method + "' failed: " + e.getMessage());
        }
    }

    private void reply(Inbound via, ServerRequest request, ServerRequestReply reply) {
        if (via.ended != null) { // never answer a dead server's request on a restarted one: ids start over
            log.debug("reply to {} (id {}) not sent: its connection has ended", request.method(), request.id());
            return;
        }
        byte[] bytes;
        try {
            bytes = codec.encodeReply(request.id(), reply);
        } catch (Throwable e) { // a handler's response object may even recurse without end
            log.error("cannot serialize the reply to {} (id {}); answering with its safe default",
                    request.method(), request.id(), e);
            bytes = codec.encodeReply(request.id(), ApprovalDecisions.safeDefault(request));
        }
        try {
            via.transport.send(bytes);
        } catch (IOException e) {
            log.debug("reply to {} (id {}) not sent: {}", request.method(), request.id(), e.toString());
        }
    }

    private AppServerException notReady(String method) {
        State s = state.get();
        if (s == State.CLOSED) {
            return closedOr("the client is closed");
        }
        Inbound lost = connection;
        if (s == State.RESTARTING && lost != null && lost.ended != null) {
            return lost.ended; // fails fast while a new app-server is brought up; retry after Restarted
        }
        return s == State.RESTARTING ? closedOr("the app-server is restarting") : new NotInitializedException(method);
    }

    /** Runs completions off the reader thread; after close, when the scheduler is gone, runs them in place. */
    private void deliver(Runnable completion) {
        try {
            dispatch.schedule(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private Scheduler dispatchOrImmediate() {
        return dispatch.isDisposed() ? Schedulers.immediate() : dispatch;
    }

    // --- receiving -----------------------------------------------------------------------------------

    /**
     * The reader thread's view: parse, route, never throw. The only user code it runs is the continuations of
     * responses (see {@link ResponseCompletions} for what keeps them from holding it up).
     */
    private final class Inbound implements TransportListener {

        final Transport transport;
        final ResponseCompletions completions;
        /** Set once this connection has ended, before what was pending on it is failed. */
        volatile ConnectionClosedException ended;
        /** The notifications this read brought, handed on together at its end (reader thread only). */
        private List<Notification> notifications = new ArrayList<>();

        Inbound(Transport transport) {
            this.transport = transport;
            this.completions = new ResponseCompletions(transport, timer);
        }

        @Override
        public void onLine(byte[] buffer, int offset, int length) {
            IncomingMessage message;
            try {
                message = codec.decode(buffer, offset, length);
            } catch (MalformedMessageException e) {
                malformedLines.increment();
                log.warn("skipping a malformed line from app-server ({}): {}", redactor.redact(e.getMessage()),
                        preview(buffer, offset, length));
                return;
            }
            if (message instanceof Response response) {
                PendingRequests.Waiter waiter = pending.take(response);
                if (waiter == null) {
                    log.warn("dropping a response to id {} that no request awaits (timed out, cancelled or "
                            + "answered twice)", response.id());
                } else {
                    publishNotifications(); // those before it go first, and its continuation may hold this thread
                    if (response.unreadResultBytes() > READ_ELSEWHERE_BYTES) {
                        deliver(() -> waiter.onResponse(response)); // reading it would hold this thread long
                    } else {
                        completions.complete(waiter, response); // the last thing: a new reader may be on by its end
                    }
                }
            } else if (message instanceof Notification notification) {
                observe(notification);
                notifications.add(notification);
                if (recovery != null) {
                    recovery.observe(notification);
                }
            } else {
                dispatchServerRequest((ServerRequest) message, this);
            }
        }

        /** Hands on the notifications this read brought: each subscriber gets them in one run. */
        @Override
        public void onBatchEnd() {
            publishNotifications();
        }

        private void publishNotifications() {
            if (!notifications.isEmpty()) {
                List<Notification> batch = notifications;
                notifications = new ArrayList<>();
                hub.publishAll(batch);
            }
        }

        @Override
        public void onClosed(TransportClosed closed) {
            onBatchEnd(); // whatever the last read brought goes out before the end is told
            ConnectionClosedException cause = new ConnectionClosedException(closed.reason(), closed.exitCode(),
                    closed.diagnosticTail(), closed.requestedByClient(), closed.cause());
            ended = cause;
            connectionEnded(cause, closed.requestedByClient());
        }
    }

    private record RunningHandler(Disposable subscription, String turnId) {}

    /** Runs the handler for {@code request}; its reply goes back on {@code via}, the connection it came on. */
    private void dispatchServerRequest(ServerRequest request, Inbound via) {
        Disposable.Swap slot = Disposables.swap();
        JsonNode turnId = request.params().get("turnId");
        RunningHandler running = new RunningHandler(slot, turnId == null ? null : turnId.asText());
        if (runningHandlers.putIfAbsent(request.id(), running) != null) {
            log.warn("server reused request id {} while it was still being handled; ignoring the new {}",
                    request.id(), request.method());
            return;
        }
        ApprovalDecisions approvals = approvalsFor(request);
        Mono<ServerRequestReply> decision = Mono.defer(() -> approvals.handle(request, approvalContext))
                .subscribeOn(handlers)
                .onErrorResume(error -> {
                    log.error("handling server request {} failed; sending its safe default", request.method(), error);
                    return Mono.just(ApprovalDecisions.safeDefault(request));
                })
                .doFinally(signal -> runningHandlers.remove(request.id(), running));
        slot.update(decision.subscribe(reply -> reply(via, request, reply)));
    }

    /** What the reader learns from notifications before handing them on: cancellations and items. */
    private void observe(Notification notification) {
        switch (notification.method()) {
            case "serverRequest/resolved" -> cancelHandler(notification.params().get("requestId"));
            case "turn/completed" -> cancelHandlersOfTurn(notification.params().path("turn").path("id").asText(null));
            case "item/started" -> {
                JsonNode item = notification.params().get("item");
                String type = item == null ? "" : item.path("type").asText();
                if ((type.equals("fileChange") || type.equals("commandExecution")) && item.hasNonNull("id")) {
                    if (startedItems.size() >= MAX_TRACKED_ITEMS) {
                        startedItems.clear(); // items that never completed; do not grow without bound
                    }
                    startedItems.put(item.get("id").asText(), item);
                }
            }
            case "item/completed" -> {
                JsonNode id = notification.params().path("item").get("id");
                if (id != null) {
                    startedItems.remove(id.asText());
                }
            }
            default -> { }
        }
    }

    private void cancelHandlersOfTurn(String turnId) {
        if (turnId == null) {
            return;
        }
        runningHandlers.forEach((id, running) -> {
            if (turnId.equals(running.turnId()) && runningHandlers.remove(id, running)) {
                log.debug("turn {} ended; cancelling the handler of request {}", turnId, id);
                running.subscription().dispose();
            }
        });
    }

    /** Gives approval rules the announced items and records decisions, redacted. */
    private final class ClientApprovalContext implements ApprovalContext {

        @Override
        public Optional<ThreadItem> startedItem(String itemId) {
            JsonNode item = itemId == null ? null : startedItems.get(itemId);
            if (item == null) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(mapper.treeToValue(item, ThreadItem.class));
            } catch (IOException | IllegalArgumentException e) {
                log.warn("cannot decode item {}: {}", itemId, redactor.redact(e.getMessage()));
                return Optional.empty();
            }
        }

        @Override
        public ObjectMapper mapper() {
            return mapper;
        }

        @Override
        public Scheduler scheduler() {
            return handlers;
        }

        @Override
        public void record(ApprovalEvent event) {
            ApprovalEvent redacted = event.withDecision(redactor.redact(event.decision()));
            log.debug("server request {} {} answered by {}: {}", redacted.method(), redacted.requestId(),
                    redacted.decidedBy(), redacted.decision());
            approvalEvents.publish(redacted);
        }
    }

    /** A thread's override takes precedence for the request kinds it has a handler for. */
    private ApprovalDecisions approvalsFor(ServerRequest request) {
        if (approvalOverrides.isEmpty()) {
            return config.approvals;
        }
        JsonNode threadId = request.params().get("threadId");
        ApprovalDecisions override = threadId == null ? null : approvalOverrides.get(threadId.asText());
        return override != null && override.hasHandlerFor(request.method()) ? override : config.approvals;
    }

    private void cancelHandler(JsonNode requestId) {
        if (requestId == null) {
            return;
        }
        RequestId id = requestId.isTextual() ? RequestId.of(requestId.textValue())
                : requestId.canConvertToLong() ? RequestId.of(requestId.longValue()) : null;
        RunningHandler running = id == null ? null : runningHandlers.remove(id);
        if (running != null) {
            log.debug("server resolved request {} elsewhere; cancelling its handler", id);
            running.subscription().dispose();
        }
    }

    // --- ending --------------------------------------------------------------------------------------

    /**
     * A connection ended. Without restarts, or when the client closed it, that ends the client. With a
     * {@link RestartPolicy}, an unexpected end of a ready connection fails what was in flight (never re-sent)
     * and hands over to {@link CrashRecovery}; the end of a connection a restart attempt had opened only fails
     * that attempt's requests, and the attempt decides what next.
     */
    private void connectionEnded(ConnectionClosedException cause, boolean byClient) {
        if (!byClient && recovery != null && recovery.hasRestartsLeft()
                && state.compareAndSet(State.READY, State.RESTARTING)) {
            failInFlight(cause);
            recovery.onCrash(cause);
        } else if (state.get() == State.RESTARTING) {
            failInFlight(cause);
        } else {
            shutdown(cause, byClient);
        }
    }

    private void failInFlight(ConnectionClosedException cause) {
        pending.failAll(cause);
        runningHandlers.values().forEach(running -> running.subscription().dispose());
        runningHandlers.clear();
        startedItems.clear();
    }

    /** The one path every ending takes: process exit, stdout EOF, write failure, start failure or close(). */
    private void shutdown(ConnectionClosedException cause, boolean byClient) {
        synchronized (this) {
            if (closedWith != null) {
                return;
            }
            closedWith = cause;
        }
        state.set(State.CLOSED);
        pending.closeAll(cause);
        failInFlight(cause);
        started.completeExceptionally(cause);
        if (byClient) {
            hub.complete();
        } else {
            hub.error(cause);
        }
        approvalEvents.complete();
    }

    private void disposeSchedulers() {
        timer.dispose();
        handlers.dispose();
        Mono<Void> drained = dispatch.disposeGracefully();
        if (Thread.currentThread().getName().startsWith(THREAD_PREFIX)) {
            drained.subscribe(); // closing from our own thread: cannot wait for ourselves
            return;
        }
        try {
            drained.block(Duration.ofSeconds(2)); // waits on this thread: no timer, no scheduler
        } catch (RuntimeException e) {
            dispatch.dispose();
        }
    }

    /** Servers echo input in error messages; an API key sent in params must not come back in an exception. */
    private JsonRpcError redacted(JsonRpcError error) {
        String message = redactor.redact(error.message());
        return message.equals(error.message()) ? error : new JsonRpcError(error.code(), message, error.data());
    }

    private AppServerException closedOr(String reason) {
        ConnectionClosedException closed = closedWith;
        return closed != null ? closed : new ConnectionClosedException(reason, null, List.of(), true, null);
    }

    private String preview(byte[] buffer, int offset, int length) {
        int shown = Math.min(length, MALFORMED_PREVIEW_CHARS * 4);
        String text = new String(buffer, offset, shown, StandardCharsets.UTF_8);
        if (text.length() > MALFORMED_PREVIEW_CHARS) {
            text = text.substring(0, MALFORMED_PREVIEW_CHARS);
        }
        if (text.length() < length) {
            text += "… (" + length + " bytes)";
        }
        return redactor.redact(text);
    }

    /** The names of the methods that need {@link Builder#experimentalApi}. */
    private static final Set<String> EXPERIMENTAL_METHODS = ClientMethods.all().stream()
            .filter(ClientMethod::experimental).map(ClientMethod::name).collect(Collectors.toUnmodifiableSet());

    private static void requireMethod(String method) {
        Objects.requireNonNull(method, "method");
        if (method.isBlank()) {
            throw new IllegalArgumentException("method must not be blank");
        }
    }

    /** The environment the child sees, whose secret-looking values must never be logged. */
    private static Map<String, String> secretSources(Builder config) {
        Map<String, String> all = new LinkedHashMap<>(System.getenv()); // what the JVM has, the child may echo
        all.putAll(config.environment);
        return all;
    }

    /** What the restart loop may do to this client. */
    private final class RecoveryHost implements CrashRecovery.Host {

        @Override
        public Mono<InitializeResponse> reconnect() {
            return connect();
        }

        @Override
        public Mono<JsonNode> requestWhileRestarting(String method, Object params) {
            return send(method, params, true);
        }

        @Override
        public boolean finishRestart() {
            return state.compareAndSet(State.RESTARTING, State.READY);
        }

        @Override
        public void abandonConnection() {
            Inbound current = connection;
            if (current != null && current.ended == null) {
                current.transport.close();
            }
        }

        @Override
        public void giveUp(ConnectionClosedException cause) {
            shutdown(cause, false);
        }

        @Override
        public boolean isClosed() {
            return state.get() == State.CLOSED;
        }

        @Override
        public void publish(Notification notification) {
            hub.publish(notification);
        }
    }

    /**
     * Configures an {@link AppServerClient}. Every setter validates its argument at once; {@link #build()}
     * spawns nothing ({@link AppServerClient#start()} does).
     */
    public static final class Builder {

        private Path executable;
        private List<String> arguments = List.of();
        private Map<String, String> environment = Map.of();
        private boolean inheritEnvironment = true;
        private Path workingDirectory;
        private ClientInfo clientInfo = new ClientInfo("codex4j", "codex4j", Version.CURRENT);
        private ApprovalDecisions approvals = ApprovalDecisions.declineAll();
        private Duration requestTimeout = Duration.ofSeconds(60);
        private ObjectMapper objectMapper;
        private boolean experimentalApi;
        private List<String> optOutNotificationMethods = List.of();
        private int notificationBufferSize = 8192;
        private int maxLineBytes = StdioOptions.DEFAULT_MAX_LINE_BYTES;
        private Duration shutdownGrace = Duration.ofSeconds(2);
        private Supplier<Transport> transport;
        private OverloadRetry overloadRetry = OverloadRetry.defaults();
        private RestartPolicy restartPolicy = RestartPolicy.none();

        private Builder() {}

        /**
         * The codex executable. Default: {@code $CODEX_EXECUTABLE}, else {@code codex} on the {@code PATH}.
         * Prefer the native binary over the npm launcher script: the launcher runs it as a child process.
         */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /** Extra arguments after {@code app-server}, e.g. {@code List.of("-c", "model=o4-mini")}. */
        public Builder arguments(List<String> arguments) {
            Objects.requireNonNull(arguments, "arguments");
            arguments.forEach(a -> Objects.requireNonNull(a, "arguments must not contain null"));
            this.arguments = List.copyOf(arguments);
            return this;
        }

        /** Variables added to (or overriding) the inherited environment, e.g. {@code CODEX_HOME}. */
        public Builder environment(Map<String, String> environment) {
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
        public Builder inheritEnvironment(boolean inherit) {
            this.inheritEnvironment = inherit;
            return this;
        }

        /** The app-server's working directory; must exist. Default: the JVM's. */
        public Builder workingDirectory(Path directory) {
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
        public Builder clientInfo(ClientInfo clientInfo) {
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
        public Builder approvals(ApprovalDecisions approvals) {
            this.approvals = Objects.requireNonNull(approvals, "approvals");
            return this;
        }

        /** How long a request waits for its response. Default: 60 seconds. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** The mapper for params and results. Default: {@link AppServerClient#defaultObjectMapper()}. */
        public Builder objectMapper(ObjectMapper mapper) {
            this.objectMapper = Objects.requireNonNull(mapper, "objectMapper");
            return this;
        }

        /** Opts into codex's experimental API methods and fields. Default: off. */
        public Builder experimentalApi(boolean enabled) {
            this.experimentalApi = enabled;
            return this;
        }

        /** Notification methods the server should not send to this client, e.g. {@code "thread/started"}. */
        public Builder optOutNotificationMethods(List<String> methods) {
            Objects.requireNonNull(methods, "optOutNotificationMethods");
            methods.forEach(AppServerClient::requireMethod);
            this.optOutNotificationMethods = List.copyOf(methods);
            return this;
        }

        /** How far one notification subscriber may fall behind before its stream fails. Default: 8192. */
        public Builder notificationBufferSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException("notificationBufferSize must be positive: " + size);
            }
            this.notificationBufferSize = size;
            return this;
        }

        /** The longest line accepted from the server; a longer one fails the connection. Default: 128 MiB. */
        public Builder maxLineBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxLineBytes must be at least 1024: " + bytes);
            }
            this.maxLineBytes = bytes;
            return this;
        }

        /** How long {@code close()} lets the server exit on its own before terminating it. Default: 2 s. */
        public Builder shutdownGrace(Duration grace) {
            Objects.requireNonNull(grace, "shutdownGrace");
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative: " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /**
         * How requests refused with JSON-RPC error -32001 (server overloaded) are retried. Default:
         * {@link OverloadRetry#defaults()}; {@link OverloadRetry#none()} turns retries off.
         */
        public Builder overloadRetry(OverloadRetry retry) {
            this.overloadRetry = Objects.requireNonNull(retry, "overloadRetry");
            return this;
        }

        /**
         * Whether to start a new app-server after the one in use ends unexpectedly, re-run the handshake and
         * resume the known threads. Default: {@link RestartPolicy#none()}. See {@link RestartPolicy}.
         */
        public Builder restartOnCrash(RestartPolicy policy) {
            this.restartPolicy = Objects.requireNonNull(policy, "restartOnCrash");
            return this;
        }

        /**
         * Uses a custom transport instead of spawning {@code codex app-server} over stdio (the executable,
         * arguments, environment and working directory are then ignored). Called by {@code start()}, and again
         * for each restart with a {@link RestartPolicy}: return a new transport each time.
         */
        public Builder transport(Supplier<Transport> transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** A new client with this configuration; later changes to the builder do not affect it. */
        public AppServerClient build() {
            return new AppServerClient(copy());
        }

        private Builder copy() {
            Builder b = new Builder();
            b.executable = executable;
            b.arguments = arguments;
            b.environment = environment;
            b.inheritEnvironment = inheritEnvironment;
            b.workingDirectory = workingDirectory;
            b.clientInfo = clientInfo;
            b.approvals = approvals;
            b.requestTimeout = requestTimeout;
            b.objectMapper = objectMapper;
            b.experimentalApi = experimentalApi;
            b.optOutNotificationMethods = optOutNotificationMethods;
            b.notificationBufferSize = notificationBufferSize;
            b.maxLineBytes = maxLineBytes;
            b.shutdownGrace = shutdownGrace;
            b.transport = transport;
            b.overloadRetry = overloadRetry;
            b.restartPolicy = restartPolicy;
            return b;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}

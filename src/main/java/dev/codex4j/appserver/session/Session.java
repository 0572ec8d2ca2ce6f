package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.ClientMethod;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.AppServerException;
import dev.codex4j.appserver.rpc.AppServerStartException;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.NotInitializedException;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.transport.SecretRedactor;
import dev.codex4j.appserver.transport.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One client's life with the app-server: the connection (and, with a {@link dev.codex4j.appserver.rpc.RestartPolicy},
 * the connections that replace it), the handshake, the request table and its timeouts, routing what arrives,
 * answering server requests, and the one way everything ends.
 *
 * <p>States: {@code NEW → STARTING → READY → CLOSED}, and {@code READY ⇄ RESTARTING} after a crash when
 * restarts are allowed. Requests other than the handshake's are sent only while {@code READY}; every ending
 * (process exit, stdout EOF, a failed write or start, {@link #close()}) goes through {@link #shutdown} once.
 *
 * <p>Threads: one reader per connection (the transport's) parses, routes and completes responses
 * ({@link Inbound}); notifications and server-request handlers run on session-owned daemon schedulers
 * ({@code codex4j-dispatch-*}, {@code codex4j-handler-*}); a single timer thread sweeps timeouts.
 */
public final class Session implements AutoCloseable {

    static final Logger log = LoggerFactory.getLogger(Session.class);
    static final String THREAD_PREFIX = "codex4j-";

    /**
     * A result longer than this (a thread's history, a file) is read into its tree, and its request completed,
     * on the dispatch pool rather than the reader: parsing it would keep the reader from the lines behind it
     * for milliseconds, more than a hand-off costs.
     */
    public static final int READ_ELSEWHERE_BYTES = 64 * 1024;

    /** The names of the methods that need {@code experimentalApi}. */
    static final Set<String> EXPERIMENTAL_METHODS = ClientMethods.all().stream()
            .filter(ClientMethod::experimental).map(ClientMethod::name).collect(Collectors.toUnmodifiableSet());

    enum State { NEW, STARTING, READY, RESTARTING, CLOSED }

    final SessionConfig config;
    final ObjectMapper mapper;
    final MessageCodec codec;
    final SecretRedactor redactor;
    final PendingRequests pending = new PendingRequests();
    final Scheduler dispatch;
    final Scheduler handlers;
    final Scheduler timer;
    final Broadcast<Notification> hub;
    private final Broadcast<ConnectionEvent> connectionEvents;
    final AtomicReference<State> state = new AtomicReference<>(State.NEW);
    final LongAdder malformedLines = new LongAdder();
    final OverloadRetrier overload;
    /** {@code null} unless a restart policy is configured. */
    final CrashRecovery recovery;
    final ServerRequestDispatch serverRequests;
    final ClientObserver observer;
    private final CompletableFuture<InitializeResponse> started = new CompletableFuture<>();
    /** The answer to the latest completed handshake (a retried first start completes none of {@link #started}). */
    private volatile InitializeResponse handshakeAnswer;
    /** Orders opening a connection against {@link #close()}, so no process is spawned after close. */
    private final Object lifecycle = new Object();

    private volatile Transport transport;
    /** Completes when the last connection given up by {@link #dropConnection} is closed; a restart waits for it. */
    private volatile CompletableFuture<Void> droppedClosed = CompletableFuture.completedFuture(null);
    volatile Inbound connection;
    volatile ConnectionClosedException closedWith;

    public Session(SessionConfig config) {
        this.config = config;
        this.mapper = config.mapper();
        this.codec = new MessageCodec(mapper);
        this.redactor = config.redactor();
        this.dispatch = Schedulers.newBoundedElastic(
                Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE, Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                THREAD_PREFIX + "dispatch", 60, true);
        this.handlers = Schedulers.newBoundedElastic(
                Schedulers.DEFAULT_BOUNDED_ELASTIC_SIZE, Schedulers.DEFAULT_BOUNDED_ELASTIC_QUEUESIZE,
                THREAD_PREFIX + "handler", 60, true);
        this.timer = Schedulers.newSingle(THREAD_PREFIX + "timer", true);
        this.observer = config.observer();
        this.hub = new Broadcast<>(dispatch, config.notificationBufferSize(), observer::notificationsDropped);
        this.connectionEvents = new Broadcast<>(dispatch, config.notificationBufferSize());
        this.overload = new OverloadRetrier(config.overloadRetry());
        this.serverRequests = new ServerRequestDispatch(this, config.serverRequests());
        this.recovery = config.restartPolicy().enabled()
                ? new CrashRecovery(config.restartPolicy(), new RecoveryHost(), timer, handlers) : null;
    }

    /** Opens the first connection and runs the handshake, once; later calls replay the outcome. */
    public Mono<InitializeResponse> start() {
        return Mono.defer(() -> {
            if (state.compareAndSet(State.NEW, State.STARTING)) {
                launch();
            }
            return Mono.fromFuture(started, true);
        }).publishOn(dispatchOrImmediate());
    }

    public boolean isReady() {
        return state.get() == State.READY;
    }

    /** The server's answer to {@code initialize}, or {@code null} before the handshake completed. */
    public InitializeResponse initializeResponse() {
        return handshakeAnswer;
    }

    /** One request: a cold {@code Mono} that sends it under a new id per subscription (see {@link OutgoingRequest}). */
    public Mono<JsonNode> request(String method, Object params) {
        return send(method, params, false, config.requestTimeout());
    }

    /**
     * As {@link #request(String, Object)}, waiting {@code timeout} instead of the session's request timeout for
     * the response (to each attempt, when the server answers "overloaded").
     */
    public Mono<JsonNode> request(String method, Object params, Duration timeout) {
        return send(method, params, false, timeout);
    }

    /** Writes a notification; throws if the session is not ready or the write fails. */
    public void sendNotification(String method, Object params) {
        write(method, params, false);
    }

    /** Every notification, hot (see {@link Broadcast}). */
    public Flux<Notification> notifications() {
        return hub.flux();
    }

    /**
     * The connection events alone, ending as {@link #notifications()} does: their own stream, so that a
     * watcher of the connection (a pool member) is not handed every notification to find the rare event.
     */
    public Flux<ConnectionEvent> connectionEvents() {
        return connectionEvents.flux();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** The mapper incoming messages are read with: the client's, without a limit on string length. */
    public ObjectMapper reader() {
        return codec.reader();
    }

    /** The scheduler notifications are handed on from; for other streams of the same client. */
    public Scheduler dispatchScheduler() {
        return dispatch;
    }

    public SecretRedactor redactor() {
        return redactor;
    }

    public long malformedLineCount() {
        return malformedLines.sum();
    }

    public int pendingRequestCount() {
        return pending.size();
    }

    public List<String> stderrTail() {
        Transport t = transport;
        return t == null ? List.of() : t.diagnosticTail();
    }

    /** Ends the connection and the session; idempotent. */
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
        // Also ends a session whose connection had already ended, e.g. while restarting after a crash.
        shutdown(new ConnectionClosedException(t == null ? "client closed before start" : "closed by client",
                null, List.of(), true, null), true);
        disposeSchedulers();
    }

    /**
     * Gives up on the current connection as if the server had crashed, for a server that is alive but does not
     * answer: what is in flight fails at once with a {@link ConnectionClosedException} saying {@code reason}, and
     * the restart policy (or the end of the session) takes over, as after a crash. The connection is closed on a
     * thread of its own (a hung process takes the transport's grace period and then a kill to end); a restart
     * waits for that, since the old process may still hold its threads. Does nothing unless the session is ready.
     *
     * @return {@code true} if the connection was given up by this call
     */
    public boolean dropConnection(String reason) {
        Inbound current = connection;
        if (state.get() != State.READY || current == null) {
            return false;
        }
        ConnectionClosedException cause = new ConnectionClosedException(reason, null, current.transport.diagnosticTail(),
                false, null);
        if (!current.end(cause)) {
            return false;
        }
        CompletableFuture<Void> closed = new CompletableFuture<>();
        droppedClosed = closed;
        // Not named codex4j-*: the session takes such threads for its own (see disposeSchedulers).
        Thread closer = new Thread(() -> {
            try {
                current.transport.close();
            } finally {
                closed.complete(null);
            }
        }, "codex4j.drop");
        closer.setDaemon(true);
        closer.start();
        log.warn("giving up on the app-server connection: {}", redactor.redact(reason));
        connectionEnded(cause, false);
        return true;
    }

    // --- starting --------------------------------------------------------------------------------------

    private void launch() {
        long tick = sweepTick();
        timer.schedulePeriodically(this::sweep, tick, tick, TimeUnit.NANOSECONDS);
        connect().subscribe(response -> {
            if (state.compareAndSet(State.STARTING, State.READY)) {
                started.complete(response);
            } else {
                started.completeExceptionally(closedOr("the client was closed during the handshake"));
            }
        }, error -> {
            if (retryFirstStart(error)) {
                return;
            }
            if (error instanceof AppServerStartException failure) {
                started.completeExceptionally(failure);
                state.set(State.CLOSED);
                shutdown(new ConnectionClosedException("start failed", null, List.of(), false, failure), false);
            } else {
                handshakeFailed(error);
            }
        });
    }

    /**
     * With restarts left, a first start that could not connect, or whose connection ended during the handshake
     * (a server not up yet), is tried again as a restart would be: {@link #start()} fails with this failure at
     * once, and {@link CrashRecovery} publishes the loss and the restart. A server that answers the handshake
     * wrongly (refused, wrong version) is not tried again.
     */
    private boolean retryFirstStart(Throwable error) {
        if (recovery == null || !recovery.hasRestartsLeft()
                || !(error instanceof AppServerStartException || error instanceof ConnectionClosedException)
                || !state.compareAndSet(State.STARTING, State.RESTARTING)) {
            return false;
        }
        started.completeExceptionally(error);
        ConnectionClosedException cause = error instanceof ConnectionClosedException closed ? closed
                : new ConnectionClosedException("start failed: " + error.getMessage(), null, List.of(), false, error);
        try {
            handlers.schedule(() -> {
                new RecoveryHost().abandonConnection(); // blocks until gone: its end must not fail the next attempt
                recovery.onCrash(cause);
            });
        } catch (RejectedExecutionException e) {
            // closed meanwhile: nothing to retry
        }
        return true;
    }

    private long sweepTick() {
        return timeoutSweepInterval(config.requestTimeout()).toNanos();
    }

    /** Fails overdue requests, each with the timeout it was sent with, and rescues a held reader. */
    private void sweep() {
        long now = System.nanoTime();
        pending.failExpired(now, (id, method, timeout) -> new RequestTimeoutException(method, id,
                timeout != null ? timeout : config.requestTimeout()));
        Inbound current = connection;
        if (current != null) {
            current.completions.rescueIfHeld(now);
        }
    }

    /**
     * A per-call timeout shorter than the session's and than ten periodic sweeps would be overrun by up to a whole
     * sweep interval: one extra sweep at its deadline keeps it as precise as the session's own. Only such short
     * per-call timeouts pay for it.
     */
    void sweepAfter(Duration timeout) {
        if (timeout.compareTo(config.requestTimeout()) < 0 && timeout.compareTo(Duration.ofNanos(10 * sweepTick())) < 0) {
            try {
                timer.schedule(this::sweep, timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closed: the request fails with the connection's end anyway
            }
        }
    }

    /** How often overdue requests are looked for: a tenth of the timeout, between 1 ms and 250 ms. */
    static Duration timeoutSweepInterval(Duration requestTimeout) {
        Duration tenth = requestTimeout.dividedBy(10);
        Duration min = Duration.ofMillis(1);
        Duration max = Duration.ofMillis(250);
        return tenth.compareTo(min) < 0 ? min : tenth.compareTo(max) > 0 ? max : tenth;
    }

    /** Opens a new connection and runs the handshake on it. */
    private Mono<InitializeResponse> connect() {
        return Mono.defer(() -> {
            try {
                openTransport();
            } catch (IOException | RuntimeException e) {
                return Mono.error(new AppServerStartException(
                        "cannot start codex app-server: " + redactor.redact(e.getMessage()), e));
            }
            return Handshake.run(this).doOnNext(answer -> handshakeAnswer = answer);
        });
    }

    private void openTransport() throws IOException {
        synchronized (lifecycle) {
            if (state.get() == State.CLOSED) {
                throw new IOException("the client is closed");
            }
            Transport t = config.transports().get();
            Inbound inbound = new Inbound(this, t);
            transport = t;
            connection = inbound;
            t.start(inbound);
        }
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

    // --- sending ---------------------------------------------------------------------------------------

    /** One request, sent again only while the server answers "overloaded". */
    Mono<JsonNode> send(String method, Object params, boolean handshake) {
        return send(method, params, handshake, config.requestTimeout());
    }

    Mono<JsonNode> send(String method, Object params, boolean handshake, Duration timeout) {
        Mono<JsonNode> request = new OutgoingRequest(this, method, params, handshake, timeout);
        Mono<JsonNode> result = observer.enabled() ? ObservedRequest.of(request, method, observer) : request;
        return recovery == null ? result
                : result.doOnNext(r -> recovery.observeResult(method, params, r, mapper));
    }

    void write(String method, Object params, boolean handshake) {
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

    AppServerException notReady(String method) {
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
    void deliver(Runnable completion) {
        try {
            dispatch.schedule(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
        }
    }

    private Scheduler dispatchOrImmediate() {
        return dispatch.isDisposed() ? Schedulers.immediate() : dispatch;
    }

    // --- ending ----------------------------------------------------------------------------------------

    /**
     * A connection ended. Without restarts, or when the client closed it, that ends the session. With a
     * restart policy, an unexpected end of a ready connection fails what was in flight (never re-sent) and
     * hands over to {@link CrashRecovery}; the end of a connection a restart attempt had opened only fails
     * that attempt's requests, and the attempt decides what next.
     */
    void connectionEnded(ConnectionClosedException cause, boolean byClient) {
        if (!byClient && state.get() == State.READY) { // a connection in use, not a start or restart attempt
            observer.connectionLost();
        }
        if (!byClient && recovery != null && recovery.hasRestartsLeft()
                && state.compareAndSet(State.READY, State.RESTARTING)) {
            failInFlight(cause);
            recovery.onCrash(cause);
        } else if (state.get() == State.RESTARTING || (!byClient && state.get() == State.STARTING
                && recovery != null && recovery.hasRestartsLeft())) {
            failInFlight(cause); // a (first) start attempt's connection: the attempt decides what next
        } else {
            shutdown(cause, byClient);
        }
    }

    private void failInFlight(ConnectionClosedException cause) {
        pending.failAll(cause);
        serverRequests.cancelAll();
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
            connectionEvents.complete();
        } else {
            hub.error(cause);
            connectionEvents.error(cause);
        }
        serverRequests.sessionEnded();
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
            drained.block(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            dispatch.dispose();
        }
    }

    AppServerException closedOr(String reason) {
        ConnectionClosedException closed = closedWith;
        return closed != null ? closed : new ConnectionClosedException(reason, null, List.of(), true, null);
    }

    /** What the restart loop may do to this session. */
    private final class RecoveryHost implements CrashRecovery.Host {

        @Override
        public Mono<InitializeResponse> reconnect() {
            return Mono.fromFuture(droppedClosed).then(connect());
        }

        @Override
        public Mono<JsonNode> requestWhileRestarting(String method, Object params) {
            return send(method, params, true);
        }

        @Override
        public boolean finishRestart() {
            boolean finished = state.compareAndSet(State.RESTARTING, State.READY);
            if (finished) {
                observer.restartFinished(true);
            }
            return finished;
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
            observer.restartFinished(false);
            shutdown(cause, false);
        }

        @Override
        public boolean isClosed() {
            return state.get() == State.CLOSED;
        }

        @Override
        public void publish(Notification notification) {
            hub.publish(notification);
            CrashRecovery.eventOf(notification).ifPresent(connectionEvents::publish);
        }
    }
}

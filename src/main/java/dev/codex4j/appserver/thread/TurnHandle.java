package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadTokenUsage;
import dev.codex4j.appserver.protocol.types.TokenUsageBreakdown;
import dev.codex4j.appserver.protocol.types.Turn;
import dev.codex4j.appserver.protocol.types.TurnError;
import dev.codex4j.appserver.protocol.types.TurnInterruptParams;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.protocol.types.TurnSteerParams;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.Notification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One running turn: its events as they happen, its result, and the means to interrupt or steer it.
 *
 * <pre>{@code
 * TurnHandle turn = thread.turn(TurnInput.text("Fix the failing test"));
 * turn.events()
 *         .ofType(ServerNotification.ItemAgentMessageDelta.class)
 *         .subscribe(d -> System.out.print(d.params().delta()));
 * TurnResult result = turn.result().block();
 * }</pre>
 *
 * <p><b>Events.</b> {@link #events()} carries the notifications of this turn only, in wire order: those whose
 * {@code turnId} is this turn's, plus thread-level ones without a turn id ({@code thread/status/changed})
 * while the turn runs. The stream subscribes to the client before {@code turn/start} is written and holds
 * back what arrives until the server has named the turn, so nothing is lost and nothing of another turn or
 * thread leaks in. The stream ends with {@code turn/completed}.
 *
 * <p><b>Replay, bounded.</b> The handle keeps the turn's latest events for subscribers that come late, at most
 * {@link TurnOptions.Builder#eventHistory(int) eventHistory} of them (default
 * {@value TurnOptions#DEFAULT_EVENT_HISTORY}); older ones are dropped from the replay. A subscriber that
 * subscribed before the first event sees every event. One that subscribes later gets the kept events, and if
 * some of the turn's earlier events are no longer kept, first one {@link #EVENTS_DROPPED} notification
 * ({@code ServerNotification.UnknownNotification} with params {@code {"dropped": N}}: N events before the
 * first one it gets are missing). The {@link #result()} never depends on the replay: its items are collected
 * as they complete. A subscriber that requests slowly is not cut off; what it has not consumed yet is kept for
 * it.
 *
 * <p><b>Ending.</b> A turn ends exactly once: completed, failed or interrupted, each a {@link TurnResult}. An
 * {@code error} notification with {@code willRetry:true} is only an event. {@link #result()} fails instead
 * with a {@link TurnTimeoutException} when a deadline interrupted the turn, with a
 * {@link ThreadNotFoundException} or {@code JsonRpcErrorException} when the server refused to start it, and
 * with a {@link ConnectionClosedException} when the connection ended first.
 */
public final class TurnHandle {

    private static final Logger log = LoggerFactory.getLogger(TurnHandle.class);
    /** How long an interrupted turn may take to report its end before a timed-out result is given anyway. */
    private static final Duration INTERRUPT_GRACE = Duration.ofSeconds(10);

    /**
     * The method of the notification that opens {@link #events()} for a subscriber that missed earlier events
     * of the turn because the replay keeps only the latest {@link TurnOptions.Builder#eventHistory(int)} ones.
     * Its params are {@code {"dropped": N}}. Reserved: codex sends no such notification.
     */
    public static final String EVENTS_DROPPED = "codex4j/turn/eventsDropped";

    /** One event and its position in the turn, so that a late subscriber knows how many it missed. */
    private record Indexed(long index, ServerNotification event) {}

    private final AppServerClient client;
    /** Runs the turn's deadlines: the thread API's timer for this client. */
    private final Scheduler timer;
    private final String threadId;
    private final TurnOptions options;
    private final Consumer<TurnHandle> onEnd;
    private final List<DynamicTool> threadTools;
    private final Sinks.Many<Indexed> events;
    private final Sinks.One<TurnResult> result = Sinks.one();
    private final Sinks.One<String> turnIdSink = Sinks.one();
    private final Disposable.Composite resources = Disposables.composite();
    private final Disposable.Swap inactivityTimer = Disposables.swap();

    // Guarded by this: notifications and the start response arrive on different threads.
    private String turnId;
    private boolean adoptTurnStarted;
    private List<Notification> heldBack = new ArrayList<>();
    private boolean ended;
    private TurnTimeoutException timedOut;
    private final List<ThreadItem> items = new ArrayList<>();
    private ThreadTokenUsage tokenUsage;
    private TurnError lastError;
    private long emitted;
    /**
     * The turn as its client's {@link ClientObserver} sees it; set in {@link #start}, before any request, and read
     * where the turn ends, on another thread.
     */
    private volatile ClientObserver.Activity observation = ClientObserver.Activity.NONE;

    TurnHandle(AppServerClient client, String threadId, TurnOptions options, List<DynamicTool> threadTools,
            Scheduler timer, Consumer<TurnHandle> onEnd) {
        this.client = client;
        this.timer = timer;
        this.threadId = threadId;
        this.options = options;
        this.threadTools = threadTools;
        this.onEnd = onEnd;
        this.events = Sinks.many().replay().limit(options.eventHistory());
    }

    /**
     * Subscribes to the thread's notifications, installs the turn's approval handlers, then sends the request
     * that starts the turn. {@code startRequest} yields the turn id from the response, or completes empty when
     * the response names none (then the thread's next {@code turn/started} names it).
     */
    void start(Mono<String> startRequest) {
        observation = client.observer().turnStarted(threadId);
        resources.add(client.notifications()
                .filter(n -> threadId.equals(text(n.params(), "threadId")) || ConnectionEvent.LOST.equals(n.method()))
                .subscribe(this::onNotification, this::onConnectionError, this::onConnectionCompleted));
        ApprovalDecisions approvals = approvalsForThisTurn();
        if (approvals != null) {
            resources.add(client.overrideApprovals(threadId, approvals));
        }
        resources.add(inactivityTimer);
        if (options.timeout() != null) {
            resources.add(Mono.delay(options.timeout(), timer)
                    .subscribe(x -> timeOut(TurnTimeoutException.Kind.DEADLINE, options.timeout())));
        }
        armInactivityTimer();
        resources.add(inTurn(startRequest).subscribe(this::onTurnId,
                error -> fail(ThreadNotFoundException.map(threadId, error)),
                this::onNoTurnIdInResponse));
    }

    /** The thread this turn runs in. */
    public String threadId() {
        return threadId;
    }

    /** The turn's id, once the server has named it; empty if the turn ended before that. */
    public Mono<String> turnId() {
        return turnIdSink.asMono();
    }

    /**
     * This turn's typed notifications, up to {@code turn/completed}; a late subscriber gets the kept ones,
     * after an {@link #EVENTS_DROPPED} notification if earlier ones were dropped (see the class comment).
     */
    public Flux<ServerNotification> events() {
        return Flux.defer(() -> {
            boolean[] first = {true};
            return events.asFlux().concatMapIterable(e -> {
                if (!first[0]) {
                    return List.of(e.event());
                }
                first[0] = false;
                return e.index() == 0 ? List.of(e.event()) : List.of(eventsDropped(e.index()), e.event());
            });
        });
    }

    /**
     * The text of the turn's agent messages as it streams: each {@code item/agentMessage/delta}, and the whole
     * text of an agent message that completed without deltas (codex streams only what the model streamed).
     * Messages follow each other without a separator; {@link #events()} tells them apart by item id. Like
     * {@link #events()}, a late subscriber gets only the text of the kept events.
     *
     * <pre>{@code
     * thread.turn("Explain the build").textDeltas().doOnNext(System.out::print).blockLast();
     * }</pre>
     */
    public Flux<String> textDeltas() {
        return Flux.defer(() -> {
            Set<String> streamed = new HashSet<>();
            return events().handle((event, sink) -> {
                if (event instanceof ServerNotification.ItemAgentMessageDelta delta) {
                    streamed.add(delta.params().itemId());
                    sink.next(delta.params().delta());
                } else if (event instanceof ServerNotification.ItemCompleted completed
                        && completed.params().item() instanceof ThreadItem.AgentMessage message
                        && !streamed.contains(message.id()) && message.text() != null && !message.text().isEmpty()) {
                    sink.next(message.text());
                }
            });
        });
    }

    /** How the turn ended; see the class comment. Subscribing again replays the same outcome. */
    public Mono<TurnResult> result() {
        return result.asMono();
    }

    /**
     * Asks codex to interrupt the turn ({@code turn/interrupt}); the turn then ends {@code interrupted}.
     * Completes when the server has accepted the request; does nothing if the turn has already ended.
     */
    public Mono<Void> interrupt() {
        return turnId().flatMap(id -> {
            if (hasEnded()) {
                return Mono.empty();
            }
            return inTurn(client.request(ClientMethods.TURN_INTERRUPT, new TurnInterruptParams(threadId, id)))
                    // The turn may end between the check and the request; that is what was asked for.
                    .onErrorResume(e -> hasEnded() || isNoActiveTurn(e), e -> Mono.empty());
        }).then();
    }

    /**
     * Adds input to the running turn ({@code turn/steer}): codex hands it to the model with its next request,
     * without starting a new turn. Fails with {@link IllegalStateException} once the turn has ended, or with a
     * {@code JsonRpcErrorException} if codex refuses (for example because the turn is not steerable).
     */
    public Mono<Void> steer(TurnInput input) {
        Objects.requireNonNull(input, "input");
        return turnId()
                .switchIfEmpty(Mono.error(() -> new IllegalStateException("the turn ended before it could be steered")))
                .flatMap(id -> {
                    if (hasEnded()) {
                        return Mono.error(new IllegalStateException("turn " + id + " has ended; start a new turn"));
                    }
                    return inTurn(client.request(ClientMethods.TURN_STEER, TurnSteerParams.builder()
                            .threadId(threadId).expectedTurnId(id).input(input.items()).build()));
                }).then();
    }

    /** {@code true} once the turn has ended, whichever way. */
    public synchronized boolean hasEnded() {
        return ended;
    }

    // --- routing -------------------------------------------------------------------------------------

    private void onTurnId(String id) {
        synchronized (this) {
            if (ended || turnId != null) {
                return;
            }
            adopt(id);
        }
    }

    private void onNoTurnIdInResponse() {
        synchronized (this) {
            if (ended || turnId != null) {
                return;
            }
            adoptTurnStarted = true;
            List<Notification> held = heldBack;
            heldBack = new ArrayList<>();
            for (Notification n : held) {
                onNotificationLocked(n);
            }
        }
    }

    private void onNotification(Notification n) {
        if (ConnectionEvent.LOST.equals(n.method())) { // a restarting client: this turn died with the old server
            fail(connectionLost(n.params()));
            return;
        }
        synchronized (this) {
            onNotificationLocked(n);
        }
    }

    private void onNotificationLocked(Notification n) {
        if (ended) {
            return;
        }
        if (turnId == null) {
            if (adoptTurnStarted && n.method().equals("turn/started")) {
                adopt(text(n.params().path("turn"), "id"));
            }
            if (turnId == null) {
                heldBack.add(n);
                return;
            }
        }
        if (belongsToThisTurn(n)) {
            accept(n);
        }
    }

    /** Names the turn and lets through what was held back for it, in order. */
    private void adopt(String id) {
        turnId = id;
        turnIdSink.tryEmitValue(id);
        List<Notification> held = heldBack;
        heldBack = null;
        for (Notification n : held) {
            if (ended) {
                return;
            }
            if (belongsToThisTurn(n)) {
                accept(n);
            }
        }
    }

    private boolean belongsToThisTurn(Notification n) {
        JsonNode params = n.params();
        String eventTurnId = text(params, "turnId");
        if (eventTurnId != null) {
            return eventTurnId.equals(turnId);
        }
        JsonNode turn = params.get("turn");
        if (turn != null) {
            // review/start answers with the review turn's id; its turn/started names a child whose root it is
            return turnId.equals(text(turn, "id")) || turnId.equals(text(turn, "rootTurnId"));
        }
        return true; // thread-level, e.g. thread/status/changed
    }

    private void accept(Notification raw) {
        armInactivityTimer();
        ServerNotification n = decode(raw);
        if (n instanceof ServerNotification.ItemCompleted completed) {
            items.add(completed.params().item());
        } else if (n instanceof ServerNotification.ThreadTokenUsageUpdated usage) {
            tokenUsage = usage.params().tokenUsage();
        } else if (n instanceof ServerNotification.Error error && !error.params().willRetry()) {
            lastError = error.params().error();
        }
        events.tryEmitNext(new Indexed(emitted++, n));
        if (n instanceof ServerNotification.TurnCompleted completed && turnId.equals(completed.params().turn().id())) {
            finish(completed.params().turn());
        }
    }

    private ServerNotification eventsDropped(long dropped) {
        return new ServerNotification.UnknownNotification(EVENTS_DROPPED,
                client.objectMapper().createObjectNode().put("dropped", dropped));
    }

    /** The turn's own approval handlers, answering the thread's dynamic tools too; {@code null} for none. */
    private ApprovalDecisions approvalsForThisTurn() {
        if (threadTools.isEmpty()) {
            return options.approvals();
        }
        if (options.approvals() != null) {
            return options.approvals().withDynamicTools(threadTools);
        }
        ApprovalDecisions.Builder tools = ApprovalDecisions.builder();
        threadTools.forEach(tools::dynamicTool);
        return tools.build();
    }

    private ServerNotification decode(Notification n) {
        try {
            return ServerNotifications.decode(client.objectMapper(), n.method(), n.params());
        } catch (IllegalArgumentException e) {
            log.warn("'{}' notification does not fit its type; passing it on undecoded: {}", n.method(), e.getMessage());
            return new ServerNotification.UnknownNotification(n.method(), n.params());
        }
    }

    // --- ending --------------------------------------------------------------------------------------

    /** Called with the lock held, from {@code turn/completed}. */
    private void finish(Turn turn) {
        // turn/completed lists only a summary of the items (or none, when interrupted); item/completed has all.
        List<ThreadItem> completedItems = items.isEmpty() && turn.items() != null ? turn.items() : items;
        TurnError error = turn.error() != null ? turn.error() : lastError;
        TurnResult outcome = new TurnResult(threadId, turn.id(), turn.status(),
                TurnResult.finalResponseOf(completedItems), completedItems, tokenUsage,
                turn.durationMs() == null ? null : Duration.ofMillis(turn.durationMs()),
                turn.status() == TurnStatus.FAILED ? error : null);
        end();
        observed(tokenUsage, timedOut != null ? "timeout" : turn.status().name().toLowerCase(Locale.ROOT), timedOut);
        events.tryEmitComplete();
        if (timedOut != null) {
            result.tryEmitError(timedOut);
        } else {
            result.tryEmitValue(outcome);
        }
    }

    private void fail(Throwable error) {
        synchronized (this) {
            if (ended) {
                return;
            }
            end();
            observed(tokenUsage, error instanceof ConnectionClosedException ? "lost"
                    : error instanceof TurnTimeoutException ? "timeout" : "failed", error);
            events.tryEmitError(error);
            result.tryEmitError(error);
        }
    }

    /** A request the turn makes, with the turn as its parent for the client's observer. */
    private <T> Mono<T> inTurn(Mono<T> request) {
        ClientObserver.Activity turn = observation;
        return turn == ClientObserver.Activity.NONE ? request
                : request.contextWrite(context -> context.put(ClientObserver.PARENT_KEY, turn));
    }

    private void observed(ThreadTokenUsage usage, String outcome, Throwable error) {
        if (usage != null && usage.last() != null) {
            TokenUsageBreakdown last = usage.last();
            observation.tokenUsage(last.inputTokens(), last.cachedInputTokens(), last.outputTokens(),
                    last.reasoningOutputTokens());
        }
        observation.stop(outcome, error);
    }

    /** Called with the lock held: releases everything the turn holds, exactly once. */
    private void end() {
        ended = true;
        heldBack = null;
        turnIdSink.tryEmitEmpty();
        resources.dispose();
        onEnd.accept(this);
    }

    private void onConnectionError(Throwable error) {
        fail(error);
    }

    private static ConnectionClosedException connectionLost(JsonNode lost) {
        List<String> tail = new ArrayList<>();
        lost.path("stderrTail").forEach(line -> tail.add(line.asText()));
        JsonNode exitCode = lost.path("exitCode");
        return new ConnectionClosedException("the app-server was lost while the turn was running (the client is "
                + "restarting it; the turn is not resumed)", exitCode.isInt() ? exitCode.intValue() : null, tail, false, null);
    }

    private void onConnectionCompleted() {
        fail(new ConnectionClosedException("the client was closed while the turn was running", null, List.of(),
                true, null));
    }

    private void armInactivityTimer() {
        Duration limit = options.inactivityTimeout();
        if (limit != null && !inactivityTimer.isDisposed()) {
            inactivityTimer.update(Mono.delay(limit, timer).subscribe(x -> timeOut(TurnTimeoutException.Kind.INACTIVITY, limit)));
        }
    }

    private void timeOut(TurnTimeoutException.Kind kind, Duration limit) {
        TurnTimeoutException timeout;
        synchronized (this) {
            if (ended || timedOut != null) {
                return;
            }
            timeout = new TurnTimeoutException(threadId, turnId, kind, limit);
            timedOut = timeout;
        }
        log.info("turn {} of thread {} overran its {} limit of {}; interrupting it", turnId, threadId, kind, limit);
        interrupt().subscribe(null, e -> log.warn("interrupting timed-out turn {} failed: {}", turnId, e.toString()));
        // If codex never reports the interrupted turn's end, the caller still gets its answer.
        Mono.delay(INTERRUPT_GRACE, timer).subscribe(x -> fail(timeout));
    }

    private static boolean isNoActiveTurn(Throwable error) {
        return error instanceof JsonRpcErrorException rpc && rpc.errorMessage() != null
                && rpc.errorMessage().startsWith("no active turn");
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }
}

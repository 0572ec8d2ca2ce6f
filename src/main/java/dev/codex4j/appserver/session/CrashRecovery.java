package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.Notification;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The restart side of a client with a {@link RestartPolicy}: remembers the threads the client has seen, and
 * after a crash brings a new app-server up, resumes those threads and says so in the notification stream.
 * The client owns the connection; this class only decides when to try again and what to tell subscribers.
 */
final class CrashRecovery {

    private static final Logger log = LoggerFactory.getLogger(CrashRecovery.class);
    /** A private mapper for the reserved notifications: the user's may be configured in unexpected ways. */
    private static final ObjectMapper EVENTS = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** What the client lends to the restart loop. */
    interface Host {
        /** Spawns a new app-server and runs the handshake on it; fails if the client was closed. */
        Mono<InitializeResponse> reconnect();

        /** Sends a request over the new connection before it is open to callers. */
        Mono<JsonNode> requestWhileRestarting(String method, Object params);

        /** Opens the new connection to callers; {@code false} if the client was closed meanwhile. */
        boolean finishRestart();

        /** Ends the connection of a failed attempt, if one was opened. Blocks until it is gone. */
        void abandonConnection();

        /** Ends the client for good, as a crash without restarts would. */
        void giveUp(ConnectionClosedException cause);

        boolean isClosed();

        /** Publishes to every notification subscriber, in order with the server's notifications. */
        void publish(Notification notification);
    }

    private final RestartPolicy policy;
    private final Host host;
    private final Scheduler timer;
    private final Scheduler work;
    private final Set<String> knownThreads = new LinkedHashSet<>();
    /** Turns started and not completed on the current connection, by id: their thread's id. */
    private final Map<String, String> runningTurns = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Turns that were running when the connection was lost (their callers got a ConnectionClosedException), by
     * id: their thread's id. A server that outlived the connection (a remote one) keeps running them; a restart
     * interrupts those it still reports, and their approval requests are not answered meanwhile.
     */
    private final Map<String, String> orphanedTurns = new java.util.concurrent.ConcurrentHashMap<>();

    // Touched by one restart sequence at a time (a crash starts one only when the client was READY).
    private volatile int restartsUsed;
    private int failedAttempts;
    private ConnectionClosedException crash;

    CrashRecovery(RestartPolicy policy, Host host, Scheduler timer, Scheduler work) {
        this.policy = policy;
        this.host = host;
        this.timer = timer;
        this.work = work;
    }

    boolean hasRestartsLeft() {
        return restartsUsed < policy.maxRestarts();
    }

    /** The threads a restart would resume, in the order the client first saw them. */
    synchronized List<String> knownThreads() {
        return List.copyOf(knownThreads);
    }

    /** Learns thread ids from successful responses. */
    void observeResult(String method, Object params, JsonNode result, ObjectMapper mapper) {
        switch (method) {
            case "thread/start", "thread/resume", "thread/fork" -> remember(result.path("thread").path("id"));
            case "thread/archive", "thread/delete", "thread/unsubscribe" -> {
                if (params != null) {
                    forget(mapper.valueToTree(params).path("threadId"));
                }
            }
            default -> { }
        }
    }

    /** Learns thread ids from notifications. */
    void observe(Notification notification) {
        switch (notification.method()) {
            case "thread/started" -> remember(notification.params().path("thread").path("id"));
            case "turn/started" -> {
                String turn = notification.params().path("turn").path("id").asText("");
                if (!turn.isEmpty()) {
                    runningTurns.put(turn, notification.params().path("threadId").asText(""));
                }
            }
            case "turn/completed" -> {
                String turn = notification.params().path("turn").path("id").asText("");
                runningTurns.remove(turn);
                orphanedTurns.remove(turn);
            }
            case "thread/archived", "thread/deleted", "thread/closed" ->
                    forget(notification.params().path("threadId"));
            default -> { }
        }
    }

    /** Whether {@code turnId} was running when the connection was lost and has not been seen to end since. */
    boolean isOrphaned(String turnId) {
        return orphanedTurns.containsKey(turnId);
    }

    /** Called on the reader thread of the connection that ended, after what was in flight has failed. */
    void onCrash(ConnectionClosedException cause) {
        crash = cause;
        orphanedTurns.putAll(runningTurns);
        runningTurns.clear();
        failedAttempts = 0;
        host.publish(toNotification(new ConnectionEvent.ConnectionLost(cause.getMessage(), cause.exitCode(),
                cause.stderrTail())));
        log.warn("app-server connection lost; restarting it ({} of {} restarts used so far): {}", restartsUsed,
                policy.maxRestarts(), cause.getMessage());
        scheduleAttempt(cause);
    }

    private void scheduleAttempt(ConnectionClosedException lastFailure) {
        if (host.isClosed()) {
            return;
        }
        if (!hasRestartsLeft()) {
            log.error("app-server could not be restarted after {} attempts; giving up", policy.maxRestarts());
            host.giveUp(lastFailure);
            return;
        }
        int restart = ++restartsUsed;
        Duration wait = policy.backoff(failedAttempts);
        Mono.delay(wait, timer)
                .publishOn(work)
                .then(Mono.defer(host::reconnect))
                .then(Mono.defer(this::resumeKnownThreads))
                .publishOn(work)
                .subscribe(resumed -> restarted(restart, resumed), error -> attemptFailed(restart, error));
    }

    private record Resumed(List<String> resumed, List<String> notResumed) {}

    private record Outcome(String threadId, boolean resumed) {}

    private Mono<Resumed> resumeKnownThreads() {
        return Flux.fromIterable(knownThreads())
                .concatMap(id -> {
                    Map<String, Object> params = new LinkedHashMap<>();
                    params.put("threadId", id);
                    params.put("excludeTurns", true); // the caller has the history; do not ship it again
                    return host.requestWhileRestarting("thread/resume", params)
                            .flatMap(resumed -> interruptOrphans(id, resumed))
                            .thenReturn(new Outcome(id, true))
                            // A thread the new server cannot load (never persisted) is lost, not the restart;
                            // a new connection that dies is, and fails the attempt.
                            .onErrorResume(e -> !(e instanceof ConnectionClosedException), e -> {
                                log.warn("thread {} could not be resumed after the restart: {}", id, e.getMessage());
                                forget(id);
                                return Mono.just(new Outcome(id, false));
                            });
                })
                .collectList()
                .map(outcomes -> new Resumed(
                        outcomes.stream().filter(Outcome::resumed).map(Outcome::threadId).toList(),
                        outcomes.stream().filter(o -> !o.resumed()).map(Outcome::threadId).toList()));
    }

    /**
     * A server that outlived the connection (a remote app-server, or one given up for not answering) still runs
     * the turns the client failed when the connection was lost: interrupted here, so no work the caller was told
     * had failed goes on (and may be run twice). A new process has no such turn: its thread is not active.
     */
    private Mono<Void> interruptOrphans(String threadId, JsonNode resumed) {
        List<String> orphans = orphanedTurns.entrySet().stream().filter(e -> e.getValue().equals(threadId))
                .map(Map.Entry::getKey).toList();
        if (orphans.isEmpty()) {
            return Mono.empty();
        }
        if (!"active".equals(resumed.path("thread").path("status").path("type").asText())) {
            orphans.forEach(orphanedTurns::remove);
            return Mono.empty();
        }
        return Flux.fromIterable(orphans).concatMap(turn -> {
            log.warn("turn {} of thread {} was still running on the app-server after the connection was lost; "
                    + "interrupting it (its caller was told it failed)", turn, threadId);
            return host.requestWhileRestarting("turn/interrupt", Map.of("threadId", threadId, "turnId", turn))
                    .onErrorResume(e -> !(e instanceof ConnectionClosedException), e -> {
                        log.warn("turn {} could not be interrupted: {}", turn, e.getMessage());
                        orphanedTurns.remove(turn);
                        return Mono.empty();
                    });
        }).then();
    }

    private void restarted(int restart, Resumed threads) {
        if (!host.finishRestart()) {
            return; // closed while restarting
        }
        failedAttempts = 0;
        log.info("app-server restarted (restart {} of at most {}); resumed threads {}", restart,
                policy.maxRestarts(), threads.resumed());
        host.publish(toNotification(new ConnectionEvent.Restarted(restart, crash.exitCode(), threads.resumed(),
                threads.notResumed())));
    }

    private void attemptFailed(int restart, Throwable error) {
        if (host.isClosed()) {
            return;
        }
        log.warn("restart {} of the app-server failed: {}", restart, error.toString());
        host.abandonConnection();
        failedAttempts++;
        scheduleAttempt(error instanceof ConnectionClosedException closed ? closed
                : new ConnectionClosedException("restart failed: " + error.getMessage(), crash.exitCode(),
                        crash.stderrTail(), false, error));
    }

    private void remember(JsonNode id) {
        if (id.isTextual() && !id.textValue().isEmpty()) {
            synchronized (this) {
                knownThreads.add(id.textValue());
            }
        }
    }

    private void forget(JsonNode id) {
        if (id.isTextual()) {
            forget(id.textValue());
        }
    }

    private synchronized void forget(String id) {
        knownThreads.remove(id);
    }

    static Notification toNotification(ConnectionEvent event) {
        String method = event instanceof ConnectionEvent.ConnectionLost ? ConnectionEvent.LOST : ConnectionEvent.RESTARTED;
        return new Notification(method, EVENTS.valueToTree(event), System.currentTimeMillis());
    }

    /** The event a reserved notification carries, or empty for any other notification. */
    static Optional<ConnectionEvent> eventOf(Notification notification) {
        Class<? extends ConnectionEvent> type = switch (notification.method()) {
            case ConnectionEvent.LOST -> ConnectionEvent.ConnectionLost.class;
            case ConnectionEvent.RESTARTED -> ConnectionEvent.Restarted.class;
            default -> null;
        };
        if (type == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(EVENTS.treeToValue(notification.params(), type));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the reserved notification " + notification.method(), e);
        }
    }
}

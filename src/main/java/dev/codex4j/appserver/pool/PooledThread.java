package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.TurnHandle;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.util.Objects;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A thread of an {@link AppServerPool}: the member's own {@link CodexThread}, bound to the member that holds
 * it, with the pool's admission in front of its turns. {@link #run} and {@link #turn} first take one of the
 * member's turn slots (waiting in its queue when all are taken, see {@link AppServerPool.Builder#maxTurnsPerMember})
 * and then run the turn through the {@code CodexThread}, so results, events, structured output, timeouts,
 * interrupt and steer are exactly the thread API's. Cheap; holds no resources.
 *
 * <p>Everything else about the thread (read, rename, rollback, compact, review, archive) is on
 * {@link #codexThread()}; turns started there directly do not count against the member's cap.
 */
public final class PooledThread {

    private final CodexThread thread;
    private final PoolMember member;

    PooledThread(CodexThread thread, PoolMember member) {
        this.thread = thread;
        this.member = member;
    }

    /** The thread's id: {@link AppServerPool#thread(String, String)} finds it on the same member. */
    public String id() {
        return thread.id();
    }

    /** The name of the member that holds the thread; every turn of the thread runs there. */
    public String member() {
        return member.name;
    }

    /** The tenant group of the thread's member, or {@code null} for the shared group. */
    public String tenant() {
        return member.tenant;
    }

    /** The member's own handle on the thread, for everything that is not a turn. */
    public CodexThread codexThread() {
        return thread;
    }

    /** Runs one turn with a text prompt; see {@link #run(TurnInput, TurnOptions)}. */
    public Mono<TurnResult> run(String prompt) {
        return run(TurnInput.text(prompt), TurnOptions.defaults());
    }

    /**
     * Takes a turn slot on the member, then runs the turn ({@link CodexThread#run(TurnInput, TurnOptions)}).
     * Cold. Fails with {@link PoolSaturatedException} if no slot came (queue full, or the queue timeout passed),
     * with {@link MemberUnavailableException} if the member is dead, draining or closed, and with a
     * {@code ConnectionClosedException} if the member's connection dies while the turn runs (the turn is not
     * run again).
     */
    public Mono<TurnResult> run(TurnInput input, TurnOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        return admitted(t -> t.run(input, options));
    }

    /** Structured output ({@link CodexThread#run(TurnInput, TurnOptions, Class)}) behind the member's admission. */
    public <T> Mono<T> run(TurnInput input, TurnOptions options, Class<T> type) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(type, "type");
        return admitted(t -> t.run(input, options, type));
    }

    /** Starts a turn with a text prompt once admitted; see {@link #turn(TurnInput, TurnOptions)}. */
    public Mono<TurnHandle> turn(String prompt) {
        return turn(TurnInput.text(prompt), TurnOptions.defaults());
    }

    /**
     * Takes a turn slot on the member, then starts the turn ({@link CodexThread#turn(TurnInput, TurnOptions)})
     * and emits its handle: stream its events, await its result, interrupt or steer it. The slot is freed when
     * the turn ends, before its {@link TurnHandle#result()} reaches whoever awaits it (its
     * {@link TurnHandle#events()} end just before that). Fails as {@link #run(TurnInput, TurnOptions)} does before
     * the turn starts.
     */
    public Mono<TurnHandle> turn(TurnInput input, TurnOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        return member.admit().map(slot -> {
            TurnHandle turn;
            try {
                turn = thread.turn(input, options);
            } catch (RuntimeException e) {
                slot.release();
                throw e;
            }
            turn.result().subscribe(r -> slot.release(), e -> slot.release(), slot::release);
            return turn;
        });
    }

    /**
     * The events of one turn, from its start to its {@code turn/completed}; see {@link #turn(TurnInput, TurnOptions)}.
     * The stream ends (or fails) once the turn's slot is free.
     */
    public Flux<ServerNotification> stream(TurnInput input, TurnOptions options) {
        // A turn's events end just before its result is given, and the result frees the slot (see turn()): the
        // stream's own end waits for that, so whoever sees it end sees the member without this turn.
        return turn(input, options).flatMapMany(turn -> {
            Mono<ServerNotification> slotFreed = turn.result().onErrorResume(e -> Mono.empty())
                    .then(Mono.empty());
            return turn.events().concatWith(slotFreed).onErrorResume(e -> slotFreed.then(Mono.error(e)));
        });
    }

    private <T> Mono<T> admitted(Function<CodexThread, Mono<T>> work) {
        // The slot is freed before the outcome goes downstream (doOnEach, not doFinally), so a caller that has its
        // result already sees the member's running count without this turn.
        return member.admit().flatMap(slot -> Mono.defer(() -> work.apply(thread)).doOnEach(signal -> {
            if (!signal.isOnSubscribe()) {
                slot.release();
            }
        }).doOnCancel(() -> {
            if (thread.lastTurn().filter(t -> !t.hasEnded()).isPresent()) {
                // cancelled: the turn is being interrupted; its slot is free once it has really ended
                thread.lastTurn().get().result().subscribe(r -> slot.release(), e -> slot.release(), slot::release);
            } else {
                slot.release();
            }
        }));
    }

    PoolMember poolMember() {
        return member;
    }

    @Override
    public String toString() {
        return "PooledThread[" + id() + " on " + member.name + "]";
    }
}

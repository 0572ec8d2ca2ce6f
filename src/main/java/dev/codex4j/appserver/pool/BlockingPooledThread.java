package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.thread.BlockingTurnHandle;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnOptions;
import dev.codex4j.appserver.thread.TurnResult;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * {@link PooledThread} for callers that do not use Reactor: each method blocks its caller until the answer is
 * there (first for a turn slot on the thread's member, then for the turn), and no Reactor type appears in its
 * signatures. Fails as the {@code PooledThread} methods do: {@link PoolSaturatedException},
 * {@link MemberUnavailableException}, or a {@code ConnectionClosedException} when the member dies mid-turn.
 * Interrupting a caller blocked in {@code run} cancels the turn (codex is asked to interrupt it) and frees its slot.
 */
public final class BlockingPooledThread {

    private final PooledThread thread;

    BlockingPooledThread(PooledThread thread) {
        this.thread = thread;
    }

    public String id() {
        return thread.id();
    }

    /** The member that holds the thread; see {@link PooledThread#member()}. */
    public String member() {
        return thread.member();
    }

    /** The tenant group of the thread's member, or {@code null} for the shared group. */
    public String tenant() {
        return thread.tenant();
    }

    /** Runs one turn once admitted; see {@link PooledThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(String prompt) {
        return thread.run(prompt).block();
    }

    /** Runs one turn once admitted; see {@link PooledThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(TurnInput input, TurnOptions options) {
        return thread.run(input, options).block();
    }

    /** Runs one turn with structured output once admitted; see {@link PooledThread#run(TurnInput, TurnOptions, Class)}. */
    public <T> T run(TurnInput input, TurnOptions options, Class<T> type) {
        return thread.run(input, options, type).block();
    }

    /**
     * Waits for a turn slot, starts the turn and returns its handle (stream its events or text, await its result,
     * interrupt or steer it from another thread); see {@link PooledThread#turn(TurnInput, TurnOptions)}.
     */
    public BlockingTurnHandle turn(TurnInput input, TurnOptions options) {
        return thread.turn(input, options).block().blocking();
    }

    /** {@link #turn(TurnInput, TurnOptions)} with a text prompt and default options. */
    public BlockingTurnHandle turn(String prompt) {
        return turn(TurnInput.text(prompt), TurnOptions.defaults());
    }

    /**
     * Runs one turn once admitted, calling {@code onEvent} on the calling thread with each of its events as it
     * arrives, and returns its result; see {@link BlockingTurnHandle#forEachEvent(Consumer)}.
     */
    public TurnResult runStreamed(TurnInput input, TurnOptions options, Consumer<? super ServerNotification> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        return turn(input, options).forEachEvent(onEvent);
    }

    /** {@link #runStreamed(TurnInput, TurnOptions, Consumer)} with a text prompt and default options. */
    public TurnResult runStreamed(String prompt, Consumer<? super ServerNotification> onEvent) {
        return runStreamed(TurnInput.text(prompt), TurnOptions.defaults(), onEvent);
    }

    /** The reactive handle behind this facade (and through it the member's {@code CodexThread}). */
    public PooledThread reactive() {
        return thread;
    }

    @Override
    public String toString() {
        return "BlockingPooledThread[" + id() + " on " + member() + "]";
    }
}

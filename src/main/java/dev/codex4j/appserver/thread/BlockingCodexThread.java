package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.ReviewTarget;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link CodexThread} for callers that do not use Reactor: each method blocks its caller until the answer is
 * there, and no Reactor type appears in its signatures. {@link #turn(TurnInput, TurnOptions)} returns at
 * once, for streaming, interrupting or steering from another thread.
 *
 * <pre>{@code
 * TurnResult result = thread.run("Explain the build");
 * TurnResult streamed = thread.runStreamed("Now fix it", event -> log.info("{}", event.method()));
 * record Verdict(boolean approved, String reason) {}
 * Verdict verdict = thread.run("Is the change safe?", Verdict.class);
 * }</pre>
 *
 * <p><b>Cancelling.</b> Interrupting a thread blocked in {@code run} cancels the turn (codex is asked to
 * interrupt it) and the call throws; {@link #lastTurn()}{@code .get().result()} then returns how the turn
 * ended (usually {@link TurnResult#isInterrupted()}).
 */
public final class BlockingCodexThread {

    private final CodexThread thread;

    BlockingCodexThread(CodexThread thread) {
        this.thread = thread;
    }

    public String id() {
        return thread.id();
    }

    public ThreadSnapshot snapshot() {
        return thread.snapshot();
    }

    /** Runs one turn; see {@link CodexThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(String prompt) {
        return thread.run(prompt).block();
    }

    /** Runs one turn; see {@link CodexThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(String prompt, TurnOptions options) {
        return thread.run(prompt, options).block();
    }

    /** Runs one turn; see {@link CodexThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(TurnInput input) {
        return thread.run(input).block();
    }

    /** Runs one turn; see {@link CodexThread#run(TurnInput, TurnOptions)}. */
    public TurnResult run(TurnInput input, TurnOptions options) {
        return thread.run(input, options).block();
    }

    /** Runs one turn with structured output; see {@link CodexThread#run(TurnInput, TurnOptions, Class)}. */
    public <T> T run(String prompt, Class<T> type) {
        return thread.run(prompt, type).block();
    }

    /** Runs one turn with structured output; see {@link CodexThread#run(TurnInput, TurnOptions, Class)}. */
    public <T> T run(TurnInput input, TurnOptions options, Class<T> type) {
        return thread.run(input, options, type).block();
    }

    /** Runs one turn, handing each of its events to {@code onEvent}; see {@link #runStreamed(TurnInput, TurnOptions, Consumer)}. */
    public TurnResult runStreamed(String prompt, Consumer<? super ServerNotification> onEvent) {
        return runStreamed(TurnInput.text(prompt), TurnOptions.defaults(), onEvent);
    }

    /**
     * Runs one turn, calling {@code onEvent} on the calling thread with each of its events as it arrives (in
     * order, ending with {@code turn/completed}), and returns its result. If {@code onEvent} throws, the turn
     * is interrupted and the exception is rethrown; so is it when the calling thread is interrupted. Otherwise fails
     * as {@link TurnHandle#result()} does.
     */
    public TurnResult runStreamed(TurnInput input, TurnOptions options, Consumer<? super ServerNotification> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        return turn(input, options).forEachEvent(onEvent);
    }

    /** Starts a turn and returns its handle at once; see {@link CodexThread#turn(TurnInput, TurnOptions)}. */
    public BlockingTurnHandle turn(String prompt) {
        return new BlockingTurnHandle(thread.turn(prompt));
    }

    /** Starts a turn and returns its handle at once; see {@link CodexThread#turn(TurnInput, TurnOptions)}. */
    public BlockingTurnHandle turn(String prompt, TurnOptions options) {
        return new BlockingTurnHandle(thread.turn(prompt, options));
    }

    /** Starts a turn and returns its handle at once; see {@link CodexThread#turn(TurnInput, TurnOptions)}. */
    public BlockingTurnHandle turn(TurnInput input) {
        return new BlockingTurnHandle(thread.turn(input));
    }

    /** Starts a turn and returns its handle at once; see {@link CodexThread#turn(TurnInput, TurnOptions)}. */
    public BlockingTurnHandle turn(TurnInput input, TurnOptions options) {
        return new BlockingTurnHandle(thread.turn(input, options));
    }

    /** {@code true} while a turn started through this library runs on the thread. */
    public boolean hasRunningTurn() {
        return thread.hasRunningTurn();
    }

    /** The last turn started through this handle, running or ended; see {@link CodexThread#lastTurn()}. */
    public Optional<BlockingTurnHandle> lastTurn() {
        return thread.lastTurn().map(BlockingTurnHandle::new);
    }

    /** The review text, or {@code null} if codex produced none; see {@link CodexThread#review(ReviewTarget)}. */
    public String review(ReviewTarget target) {
        return thread.review(target).block();
    }

    public ThreadSnapshot read() {
        return thread.read().block();
    }

    public void setName(String name) {
        thread.setName(name).block();
    }

    public TurnResult compact() {
        return thread.compact().block();
    }

    /** Rolls the thread back to just before a turn; see {@link CodexThread#rollback(String)}. */
    public ThreadSnapshot rollback(String beforeTurnId) {
        return thread.rollback(beforeTurnId).block();
    }

    /** The reactive handle behind this facade. */
    public CodexThread reactive() {
        return thread;
    }

    @Override
    public String toString() {
        return "BlockingCodexThread[" + id() + "]";
    }
}

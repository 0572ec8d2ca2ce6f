package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.ServerNotification;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@link TurnHandle} for callers that do not use Reactor: one running turn, its events as a
 * {@link java.util.stream.Stream}, its result, interrupt and steer. From {@link BlockingCodexThread#turn} or
 * {@link TurnHandle#blocking()}.
 *
 * <pre>{@code
 * BlockingTurnHandle turn = thread.turn("Fix the failing test");
 * try (Stream<String> text = turn.textDeltas()) {
 *     text.forEach(System.out::print);           // on this thread, as the text streams
 * }
 * TurnResult result = turn.result();
 * }</pre>
 *
 * The streams block the consuming thread until the next event arrives and end with the turn; close them (or
 * use try-with-resources) to stop early. What a late consumer sees is what {@link TurnHandle#events()} replays.
 */
public final class BlockingTurnHandle {

    private final TurnHandle turn;

    BlockingTurnHandle(TurnHandle turn) {
        this.turn = turn;
    }

    /** The thread this turn runs in. */
    public String threadId() {
        return turn.threadId();
    }

    /** The turn's id, waiting until the server has named it; empty if the turn ended before that. */
    public Optional<String> turnId() {
        return turn.turnId().blockOptional();
    }

    /**
     * This turn's notifications, up to {@code turn/completed}, blocking between them; see
     * {@link TurnHandle#events()}. Fails (when consumed) as {@link #result()} does if the turn did not end
     * normally.
     */
    public Stream<ServerNotification> events() {
        return turn.events().toStream();
    }

    /** The agent's text as it streams; see {@link TurnHandle#textDeltas()}. */
    public Stream<String> textDeltas() {
        return turn.textDeltas().toStream();
    }

    /**
     * Calls {@code onEvent} on the calling thread with each of the turn's events as it arrives (in order, ending
     * with {@code turn/completed}), then returns the turn's result. If {@code onEvent} throws, the turn is
     * interrupted and the exception is rethrown; so is it when the calling thread is interrupted. Otherwise fails
     * as {@link #result()} does.
     */
    public TurnResult forEachEvent(Consumer<? super ServerNotification> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        RuntimeException[] thrownByCallback = {null};
        try (Stream<ServerNotification> events = events()) {
            events.forEach(event -> {
                try {
                    onEvent.accept(event);
                } catch (RuntimeException e) {
                    thrownByCallback[0] = e;
                    throw e;
                }
            });
        } catch (RuntimeException e) {
            if (thrownByCallback[0] == null && hasEnded()) {
                return result(); // the turn itself failed (the stream ended with its error): result() throws why
            }
            // the callback threw, or the caller's thread was interrupted: the turn must not run on unobserved
            turn.interrupt().subscribe(null, failed -> { });
            throw e;
        }
        return result();
    }

    /** Waits for the turn to end and returns how it ended; see {@link TurnHandle#result()}. */
    public TurnResult result() {
        return turn.result().block();
    }

    /** Asks codex to interrupt the turn and waits until it has accepted; see {@link TurnHandle#interrupt()}. */
    public void interrupt() {
        turn.interrupt().block();
    }

    /** Adds input to the running turn; see {@link TurnHandle#steer(TurnInput)}. */
    public void steer(TurnInput input) {
        turn.steer(Objects.requireNonNull(input, "input")).block();
    }

    /** {@code true} once the turn has ended, whichever way. */
    public boolean hasEnded() {
        return turn.hasEnded();
    }

    /** The reactive handle behind this facade. */
    public TurnHandle reactive() {
        return turn;
    }

    @Override
    public String toString() {
        return "BlockingTurnHandle[thread " + turn.threadId() + "]";
    }
}

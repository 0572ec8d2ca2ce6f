package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.types.ReviewTarget;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;

/**
 * {@link CodexThread} for callers that do not use Reactor: each method blocks its caller until the answer is
 * there. {@link #turn(TurnInput, TurnOptions)} still returns at once, for interrupting or steering from
 * another thread; block on its {@code result()} when needed.
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

    /** Starts a turn and returns its handle at once; see {@link CodexThread#turn(TurnInput, TurnOptions)}. */
    public TurnHandle turn(TurnInput input, TurnOptions options) {
        return thread.turn(input, options);
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

    /** The reactive handle behind this facade. */
    public CodexThread reactive() {
        return thread;
    }
}

package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.ReviewStartParams;
import dev.codex4j.appserver.protocol.types.ReviewTarget;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import dev.codex4j.appserver.protocol.types.ThreadCompactStartParams;
import dev.codex4j.appserver.protocol.types.ThreadRevertParams;
import dev.codex4j.appserver.protocol.types.ThreadSetNameParams;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * A conversation with codex: a handle on one thread of one client, from {@link CodexThreads#start},
 * {@link CodexThreads#resume} or {@link CodexThreads#fork}. Cheap; holds no resources.
 *
 * <pre>{@code
 * CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block();
 * TurnResult result = thread.run("List the files in this repository").block();
 * System.out.println(result.finalResponse() + " (" + result.tokenUsage().last().totalTokens() + " tokens)");
 *
 * record Verdict(boolean approved, String reason) {}
 * Verdict verdict = thread.run(TurnInput.text("Is this change safe?"), TurnOptions.defaults(), Verdict.class).block();
 * }</pre>
 *
 * <p>One turn runs per thread at a time: starting another while one runs fails with
 * {@link TurnInProgressException} (steer the running one instead). Turns on different threads run
 * concurrently, also on one client.
 */
public final class CodexThread {

    private final CodexThreads threads;
    private final AppServerClient client;
    private final ThreadSnapshot snapshot;
    /** The last turn started through this handle, so that a cancelled {@link #run} can still be asked how it ended. */
    private final AtomicReference<TurnHandle> lastTurn = new AtomicReference<>();

    CodexThread(CodexThreads threads, AppServerClient client, ThreadSnapshot snapshot) {
        this.threads = threads;
        this.client = client;
        this.snapshot = snapshot;
    }

    /** The thread's id: keep it to resume the thread later, also from another process. */
    public String id() {
        return snapshot.id();
    }

    /**
     * The thread as the server described it when this handle was made (for a resumed or forked thread,
     * including its earlier turns). {@link #read()} fetches the current state.
     */
    public ThreadSnapshot snapshot() {
        return snapshot;
    }

    /** Runs one turn with a text prompt; the {@code Mono} is cold: each subscription starts a turn. */
    public Mono<TurnResult> run(String prompt) {
        return run(TurnInput.text(prompt), TurnOptions.defaults());
    }

    /** Runs one turn with a text prompt; see {@link #run(TurnInput, TurnOptions)}. */
    public Mono<TurnResult> run(String prompt, TurnOptions options) {
        return run(TurnInput.text(prompt), options);
    }

    /** Runs one turn; see {@link #run(TurnInput, TurnOptions)}. */
    public Mono<TurnResult> run(TurnInput input) {
        return run(input, TurnOptions.defaults());
    }

    /**
     * Runs one turn and emits how it ended: completed, failed or interrupted (see {@link TurnResult}). Cold:
     * each subscription starts a turn. Fails with {@link TurnInProgressException} if the thread has a running
     * turn, and with {@link TurnTimeoutException} when a deadline in {@code options} interrupted the turn.
     *
     * <p>Cancelling the subscription (also {@code timeout(...)} or {@code take(...)} upstream, or interrupting
     * a thread blocked in {@code block()}) sends {@code turn/interrupt}; the turn then ends, usually
     * {@code INTERRUPTED}. How it ended is still known: {@code lastTurn().get().result()} emits that
     * result, and {@link #hasRunningTurn()} turns {@code false} once it has ended.
     */
    public Mono<TurnResult> run(TurnInput input, TurnOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            TurnHandle turn = turn(input, options);
            return turn.result().doOnCancel(() -> turn.interrupt().subscribe(null, e -> { }));
        });
    }

    /** Runs one turn whose final message must be a JSON {@code type}; see {@link #run(TurnInput, TurnOptions, Class)}. */
    public <T> Mono<T> run(String prompt, Class<T> type) {
        return run(TurnInput.text(prompt), TurnOptions.defaults(), type);
    }

    /**
     * Runs one turn with structured output: derives a strict JSON Schema from {@code type} (a record or bean),
     * sends it as the turn's {@code outputSchema}, and decodes the final message into {@code type}. Fails with
     * {@link StructuredOutputException} (showing the raw text) if the message does not fit, and with
     * {@link TurnFailedException} if the turn did not complete.
     */
    public <T> Mono<T> run(TurnInput input, TurnOptions options, Class<T> type) {
        Objects.requireNonNull(type, "type");
        TurnOptions withSchema = options.toBuilder().outputSchema(StructuredOutput.schemaOf(type)).build();
        return run(input, withSchema).map(result -> StructuredOutput.decode(result, type, client.objectMapper()));
    }

    /** Starts a turn with a text prompt and returns its handle at once; see {@link #turn(TurnInput, TurnOptions)}. */
    public TurnHandle turn(String prompt) {
        return turn(TurnInput.text(prompt), TurnOptions.defaults());
    }

    /** Starts a turn with a text prompt and returns its handle at once; see {@link #turn(TurnInput, TurnOptions)}. */
    public TurnHandle turn(String prompt, TurnOptions options) {
        return turn(TurnInput.text(prompt), options);
    }

    /** Starts a turn and returns its handle at once; see {@link #turn(TurnInput, TurnOptions)}. */
    public TurnHandle turn(TurnInput input) {
        return turn(input, TurnOptions.defaults());
    }

    /**
     * Starts a turn ({@code turn/start}) and returns its handle at once, without blocking: stream its
     * {@link TurnHandle#events()}, await its {@link TurnHandle#result()}, {@link TurnHandle#interrupt()} or
     * {@link TurnHandle#steer(TurnInput)} it.
     *
     * @throws TurnInProgressException if this thread has a running turn (checked before anything is sent)
     */
    public TurnHandle turn(TurnInput input, TurnOptions options) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(options, "options");
        return remember(threads.startTurn(id(), options, client.request(ClientMethods.TURN_START,
                options.toStartParams(id(), input)).map(started -> started.turn().id())));
    }

    /** {@code true} while a turn started through this library (by any handle of this client) runs on the thread. */
    public boolean hasRunningTurn() {
        return threads.hasRunningTurn(id());
    }

    /**
     * The last turn started through this handle ({@link #run}, {@link #turn}, a review or compaction), running or
     * ended; empty before the first. Its {@link TurnHandle#result()} replays how it ended, which is how a caller
     * that cancelled {@link #run} learns the outcome.
     */
    public Optional<TurnHandle> lastTurn() {
        return Optional.ofNullable(lastTurn.get());
    }

    private TurnHandle remember(TurnHandle turn) {
        lastTurn.set(turn);
        return turn;
    }

    /**
     * Starts a code review on this thread ({@code review/start}, delivered inline): a turn whose result has
     * the review in {@link TurnResult#reviewText()}.
     *
     * <pre>{@code
     * String review = thread.review(new ReviewTarget.UncommittedChanges()).block();
     * }</pre>
     */
    public TurnHandle startReview(ReviewTarget target, TurnOptions options) {
        Objects.requireNonNull(target, "target");
        return remember(threads.startTurn(id(), options, client.request(ClientMethods.REVIEW_START,
                new ReviewStartParams(null, target, id())).map(started -> started.turn().id())));
    }

    /**
     * Reviews on this thread and emits the review text (empty if codex produced none); fails with
     * {@link TurnFailedException} if the review turn did not complete.
     */
    public Mono<String> review(ReviewTarget target) {
        return Mono.defer(() -> startReview(target, TurnOptions.defaults()).result())
                .flatMap(result -> Mono.justOrEmpty(result.requireCompleted().reviewText()));
    }

    /**
     * Reviews on a separate, ephemeral fork of this thread, so this thread's history does not get the review.
     * (codex 0.169.0 delivers reviews only inline; a detached review is an inline one on a fork.)
     */
    public Mono<String> reviewDetached(ReviewTarget target) {
        return threads.fork(id(), ThreadOptions.builder().ephemeral(true).build())
                .flatMap(fork -> fork.review(target));
    }

    /**
     * Compacts the thread's history ({@code thread/compact/start}). Compaction runs as a turn of its own;
     * the result is that turn's.
     */
    public Mono<TurnResult> compact() {
        return Mono.defer(() -> remember(threads.startTurn(id(), TurnOptions.defaults(),
                client.request(ClientMethods.THREAD_COMPACT_START, new ThreadCompactStartParams(id()))
                        .then(Mono.<String>empty()))).result());
    }

    /** The thread's current state with all its turns ({@code thread/read}). */
    public Mono<ThreadSnapshot> read() {
        return threads.read(id(), true);
    }

    /** Renames the thread ({@code thread/name/set}). */
    public Mono<Void> setName(String name) {
        Objects.requireNonNull(name, "name");
        return client.request(ClientMethods.THREAD_NAME_SET, new ThreadSetNameParams(name, id()))
                .onErrorMap(e -> ThreadNotFoundException.map(id(), e)).then();
    }

    /**
     * Rolls the thread back to just before turn {@code beforeTurnId} ({@code thread/revert}): that turn and
     * every later one leave the history (local file changes are not undone). Emits the thread as it is
     * afterwards, with its remaining turns (read back with {@link #read()}: the {@code thread/revert} response
     * lists no turns). A turn id the thread does not have fails with a {@code JsonRpcErrorException}
     * ({@code turn not found: ID}) and leaves the history as it was.
     */
    public Mono<ThreadSnapshot> rollback(String beforeTurnId) {
        Objects.requireNonNull(beforeTurnId, "beforeTurnId");
        return client.request(ClientMethods.THREAD_REVERT, new ThreadRevertParams(beforeTurnId, id()))
                .onErrorMap(e -> ThreadNotFoundException.map(id(), e))
                .then(read());
    }

    /** Archives the thread; see {@link CodexThreads#archive(String)}. */
    public Mono<Void> archive() {
        return threads.archive(id());
    }

    /**
     * Unarchives the thread; see {@link CodexThreads#unarchive(String)}. The thread comes back unloaded: turns
     * on it fail with {@link ThreadNotFoundException} until it is resumed ({@link CodexThreads#resume}).
     */
    public Mono<ThreadSnapshot> unarchive() {
        return threads.unarchive(id());
    }

    @Override
    public String toString() {
        return "CodexThread[" + id() + "]";
    }
}

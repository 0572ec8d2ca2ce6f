package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.protocol.types.CommandExecResponse;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link CodexThreads} for callers that do not use Reactor: the same operations, blocking the calling thread
 * until the answer is there, with no Reactor type in any signature (nor in {@link BlockingCodexThread} and
 * {@link BlockingTurnHandle}). Call it from your own threads (a Reactor non-blocking thread refuses to block,
 * with an {@link IllegalStateException}); the library's internal threads never wait on these calls.
 *
 * <pre>{@code
 * try (BlockingCodexThreads codex = BlockingCodexThreads.open(AppServerClient.builder().workingDirectory(repo))) {
 *     BlockingCodexThread thread = codex.start(ThreadOptions.defaults());
 *     TurnResult result = thread.run("Explain the build");
 *     BlockingTurnHandle turn = thread.turn("Now fix it");
 *     try (Stream<String> text = turn.textDeltas()) {
 *         text.forEach(System.out::print);
 *     }
 *     System.out.println(turn.result().isCompleted());
 * }
 *
 * TurnResult once = BlockingCodexThreads.runOnce(AppServerClient.builder(), "What does this repository do?");
 * }</pre>
 */
public final class BlockingCodexThreads implements AutoCloseable {

    private final CodexThreads threads;
    /** The client {@link #open} started, which {@link #close()} closes; {@code null} for a view from {@link CodexThreads#blocking()}. */
    private final AppServerClient owned;

    BlockingCodexThreads(CodexThreads threads, AppServerClient owned) {
        this.threads = threads;
        this.owned = owned;
    }

    /**
     * Builds a client from {@code builder} (every option of {@link AppServerClient#builder()}), starts it
     * (spawns codex, runs the handshake) and returns its threads; {@link #close()} closes the client. If the
     * start fails, the client is closed and the failure thrown.
     */
    public static BlockingCodexThreads open(AppServerClientBuilder builder) {
        AppServerClient client = Objects.requireNonNull(builder, "builder").build();
        try {
            client.start().block();
        } catch (RuntimeException | Error e) {
            client.close();
            throw e;
        }
        return new BlockingCodexThreads(CodexThreads.of(client), client);
    }

    /**
     * Starts codex, runs {@code prompt} in an ephemeral thread, closes codex and returns the result; see
     * {@link CodexThreads#runOnce(AppServerClientBuilder, TurnInput, ThreadOptions, TurnOptions)}.
     */
    public static TurnResult runOnce(AppServerClientBuilder builder, String prompt) {
        return CodexThreads.runOnce(builder, prompt).block();
    }

    /** See {@link CodexThreads#runOnce(AppServerClientBuilder, TurnInput, ThreadOptions, TurnOptions)}. */
    public static TurnResult runOnce(AppServerClientBuilder builder, TurnInput input, ThreadOptions threadOptions,
            TurnOptions turnOptions) {
        return CodexThreads.runOnce(builder, input, threadOptions, turnOptions).block();
    }

    /** One turn with structured output; see {@link CodexThreads#runOnce(AppServerClientBuilder, TurnInput, ThreadOptions, TurnOptions, Class)}. */
    public static <T> T runOnce(AppServerClientBuilder builder, TurnInput input, ThreadOptions threadOptions,
            TurnOptions turnOptions, Class<T> type) {
        return CodexThreads.runOnce(builder, input, threadOptions, turnOptions, type).block();
    }

    public BlockingCodexThread start(ThreadOptions options) {
        return new BlockingCodexThread(threads.start(options).block());
    }

    /** @throws ThreadNotFoundException if the server knows no such thread */
    public BlockingCodexThread resume(String threadId, ThreadOptions options) {
        return new BlockingCodexThread(threads.resume(threadId, options).block());
    }

    /** The most recently updated stored thread, resumed; see {@link CodexThreads#resumeLatest(ThreadOptions)}. */
    public Optional<BlockingCodexThread> resumeLatest(ThreadOptions options) {
        return threads.resumeLatest(options).blockOptional().map(BlockingCodexThread::new);
    }

    /** The most recently updated stored thread of {@code cwd}, resumed; see {@link CodexThreads#resumeLatest(Path, ThreadOptions)}. */
    public Optional<BlockingCodexThread> resumeLatest(Path cwd, ThreadOptions options) {
        return threads.resumeLatest(cwd, options).blockOptional().map(BlockingCodexThread::new);
    }

    /**
     * A handle on an existing thread; see {@link CodexThreads#thread(String)}.
     *
     * @throws ThreadNotFoundException if the server knows no such thread
     */
    public BlockingCodexThread thread(String threadId) {
        return new BlockingCodexThread(threads.thread(threadId).block());
    }

    /** @throws ThreadNotFoundException if the server knows no such thread */
    public BlockingCodexThread fork(String threadId, ThreadOptions options) {
        return new BlockingCodexThread(threads.fork(threadId, options).block());
    }

    /** @throws ThreadNotFoundException if the server knows no such thread */
    public ThreadSnapshot read(String threadId, boolean includeTurns) {
        return threads.read(threadId, includeTurns).block();
    }

    /** The matching threads as a lazy stream: each page is fetched when the stream reaches it; close it when done. */
    public Stream<ThreadSnapshot> list(ThreadListParams filter) {
        return threads.list(filter).toStream();
    }

    public void archive(String threadId) {
        threads.archive(threadId).block();
    }

    public ThreadSnapshot unarchive(String threadId) {
        return threads.unarchive(threadId).block();
    }

    public CommandExecResponse exec(List<String> command) {
        return threads.exec(Objects.requireNonNull(command, "command")).block();
    }

    /** {@code true} while a turn started through this library runs on the thread. */
    public boolean hasRunningTurn(String threadId) {
        return threads.hasRunningTurn(threadId);
    }

    /** The reactive API behind this facade. */
    public CodexThreads reactive() {
        return threads;
    }

    /**
     * Closes the client if {@link #open} started it (ending codex; see {@code AppServerClient.close()});
     * does nothing for a facade from {@link CodexThreads#blocking()}, whose client belongs to its builder.
     */
    @Override
    public void close() {
        if (owned != null) {
            owned.close();
        }
    }
}

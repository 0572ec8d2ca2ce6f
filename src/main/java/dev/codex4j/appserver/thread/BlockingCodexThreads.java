package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.protocol.types.CommandExecResponse;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * {@link CodexThreads} for callers that do not use Reactor: the same operations, blocking the calling thread
 * until the answer is there. Call it from your own threads (a Reactor non-blocking thread refuses to block,
 * with an {@link IllegalStateException}); the library's internal threads never wait on these calls.
 *
 * <pre>{@code
 * BlockingCodexThread thread = CodexThreads.of(client).blocking().start(ThreadOptions.defaults());
 * TurnResult result = thread.run("Explain the build");
 * }</pre>
 */
public final class BlockingCodexThreads {

    private final CodexThreads threads;

    BlockingCodexThreads(CodexThreads threads) {
        this.threads = threads;
    }

    public BlockingCodexThread start(ThreadOptions options) {
        return new BlockingCodexThread(threads.start(options).block());
    }

    /** @throws ThreadNotFoundException if the server knows no such thread */
    public BlockingCodexThread resume(String threadId, ThreadOptions options) {
        return new BlockingCodexThread(threads.resume(threadId, options).block());
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

    /** The reactive API behind this facade. */
    public CodexThreads reactive() {
        return threads;
    }
}

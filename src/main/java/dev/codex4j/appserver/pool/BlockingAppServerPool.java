package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.thread.ThreadNotFoundException;
import dev.codex4j.appserver.thread.ThreadOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link AppServerPool} for callers that do not use Reactor: the same operations, blocking the calling thread
 * until the answer is there, with no Reactor type in any signature (nor in {@link BlockingPooledThread}). Call it
 * from your own threads (a Reactor non-blocking thread refuses to block, with an {@link IllegalStateException}).
 *
 * <pre>{@code
 * try (BlockingAppServerPool pool = BlockingAppServerPool.open(AppServerPool.builder()
 *         .member("a", AppServerClient.builder().environment(Map.of("CODEX_HOME", "/srv/codex/a")))
 *         .member("b", AppServerClient.builder().webSocket(URI.create("ws://codex-b:4500")).bearerToken(token)))) {
 *     BlockingPooledThread thread = pool.startThread(ThreadOptions.defaults());
 *     TurnResult result = thread.run("Explain the build");
 *     BlockingPooledThread later = pool.thread(thread.id());          // same member
 *     later.runStreamed("Now fix it", event -> log.info("{}", event.method()));
 * }
 * }</pre>
 */
public final class BlockingAppServerPool implements AutoCloseable {

    private final AppServerPool pool;
    /** {@code true} if {@link #open} built the pool, so {@link #close()} closes it. */
    private final boolean owned;

    BlockingAppServerPool(AppServerPool pool, boolean owned) {
        this.pool = pool;
        this.owned = owned;
    }

    /**
     * Builds the pool, starts every member and returns it; {@link #close()} closes it. If a member fails to
     * start, the pool is closed and the failure thrown (a pool that should run without some members is built
     * and started reactively, see {@link AppServerPool#start()}).
     */
    public static BlockingAppServerPool open(AppServerPool.Builder builder) {
        AppServerPool pool = Objects.requireNonNull(builder, "builder").build();
        try {
            pool.start().block();
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        return new BlockingAppServerPool(pool, true);
    }

    /** Starts a thread in the shared group; see {@link AppServerPool#startThread(ThreadOptions, String)}. */
    public BlockingPooledThread startThread(ThreadOptions options) {
        return startThread(options, null);
    }

    /**
     * Starts a thread on a ready member of {@code tenant}'s group; see
     * {@link AppServerPool#startThread(ThreadOptions, String)}.
     *
     * @throws MemberUnavailableException if no member of the group is ready
     */
    public BlockingPooledThread startThread(ThreadOptions options, String tenant) {
        return new BlockingPooledThread(pool.startThread(options, tenant).block());
    }

    /** A thread of the shared group by id; see {@link AppServerPool#thread(String, String)}. */
    public BlockingPooledThread thread(String threadId) {
        return thread(threadId, null);
    }

    /**
     * A thread of {@code tenant}'s group by id, on the member that holds it; see
     * {@link AppServerPool#thread(String, String)}.
     *
     * @throws ThreadNotFoundException if no member of the group has it
     * @throws MemberUnavailableException if its member is not ready
     */
    public BlockingPooledThread thread(String threadId, String tenant) {
        return new BlockingPooledThread(pool.thread(threadId, tenant).block());
    }

    /** Forks a thread on its member; see {@link AppServerPool#fork(PooledThread, ThreadOptions)}. */
    public BlockingPooledThread fork(BlockingPooledThread source, ThreadOptions options) {
        Objects.requireNonNull(source, "source");
        return new BlockingPooledThread(pool.fork(source.reactive(), options).block());
    }

    /** Drains a member and waits until it is closed; see {@link AppServerPool#drain(String, Duration)}. */
    public DrainResult drain(String member, Duration deadline) {
        return pool.drain(member, deadline).block();
    }

    /** The member holding {@code threadId}, if the pool has placed or found it. */
    public Optional<String> memberOf(String threadId) {
        return pool.memberOf(threadId);
    }

    /** Every member's health now; see {@link AppServerPool#health()}. */
    public List<MemberHealth> health() {
        return pool.health();
    }

    /** The reactive pool behind this facade. */
    public AppServerPool reactive() {
        return pool;
    }

    /**
     * Closes the pool if {@link #open} built it (every member; see {@link AppServerPool#close()}); does nothing
     * for a view from {@link AppServerPool#blocking()}, whose pool belongs to its caller.
     */
    @Override
    public void close() {
        if (owned) {
            pool.close();
        }
    }
}

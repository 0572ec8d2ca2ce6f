package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.approval.DynamicTool;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.CommandExecParams;
import dev.codex4j.appserver.protocol.types.CommandExecResponse;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import dev.codex4j.appserver.protocol.types.ThreadArchiveParams;
import dev.codex4j.appserver.protocol.types.SortDirection;
import dev.codex4j.appserver.protocol.types.ThreadListCwdFilter;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.protocol.types.ThreadListResponse;
import dev.codex4j.appserver.protocol.types.ThreadReadParams;
import dev.codex4j.appserver.protocol.types.ThreadSortKey;
import dev.codex4j.appserver.protocol.types.ThreadStatus;
import dev.codex4j.appserver.protocol.types.ThreadUnarchiveParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The threads of one {@link AppServerClient}: start, resume, fork, read, list, archive; plus one-off
 * commands. Get it with {@link #of(AppServerClient)}; the client must be started.
 *
 * <pre>{@code
 * client.start().block();
 * CodexThread thread = CodexThreads.of(client).start(ThreadOptions.builder().model("gpt-5-codex").build()).block();
 * String answer = thread.run("What does this repository do?").block().finalResponse();
 *
 * // later, also after a restart (same CODEX_HOME):
 * CodexThread again = CodexThreads.of(client).resume(thread.id(), ThreadOptions.defaults()).block();
 * }</pre>
 *
 * Operations on a thread id the server does not know fail with {@link ThreadNotFoundException}.
 *
 * <p>For one prompt without managing a client, {@link #runOnce(AppServerClientBuilder, TurnInput, ThreadOptions,
 * TurnOptions) runOnce} starts codex, runs the prompt in an ephemeral thread and closes codex again.
 */
public final class CodexThreads {

    private final AppServerClient client;
    private final RunningTurns runningTurns;

    private CodexThreads(AppServerClient client, RunningTurns runningTurns) {
        this.client = client;
        this.runningTurns = runningTurns;
    }

    /** The threads of {@code client}. */
    public static CodexThreads of(AppServerClient client) {
        Objects.requireNonNull(client, "client");
        return new CodexThreads(client, client.attachment(RunningTurns.class, RunningTurns::new));
    }

    /**
     * Starts codex with {@code builder}'s settings, runs one turn with {@code prompt} in an ephemeral thread
     * with default options, emits its result and closes codex (see
     * {@link #runOnce(AppServerClientBuilder, TurnInput, ThreadOptions, TurnOptions)}).
     *
     * <pre>{@code
     * TurnResult result = CodexThreads.runOnce(AppServerClient.builder().workingDirectory(repo),
     *         "Summarize the open TODOs").block();
     * }</pre>
     */
    public static Mono<TurnResult> runOnce(AppServerClientBuilder builder, String prompt) {
        return runOnce(builder, TurnInput.text(prompt), ThreadOptions.defaults(), TurnOptions.defaults());
    }

    /**
     * The one-call entry point, for a script or a test: builds a client from {@code builder} (every option of
     * {@link AppServerClient#builder()}: executable, arguments, environment, approvals, timeouts, ...), starts
     * it (spawn and handshake), starts an ephemeral thread with {@code threadOptions} (its {@code ephemeral} is
     * forced to {@code true}: nothing is stored in {@code CODEX_HOME}), runs one turn, emits the
     * {@link TurnResult} (completed, failed or interrupted) and closes the client, whichever way it ends.
     * Cold: each subscription starts its own codex. Cancelling interrupts the turn and closes the client.
     * Dynamic tools in {@code threadOptions} need {@code builder.experimentalApi(true)}.
     */
    public static Mono<TurnResult> runOnce(AppServerClientBuilder builder, TurnInput input, ThreadOptions threadOptions,
            TurnOptions turnOptions) {
        return once(builder, threadOptions, thread -> thread.run(input, turnOptions));
    }

    /**
     * {@link #runOnce(AppServerClientBuilder, TurnInput, ThreadOptions, TurnOptions)} with structured output:
     * emits the final message decoded into {@code type} (see {@link CodexThread#run(TurnInput, TurnOptions, Class)}).
     */
    public static <T> Mono<T> runOnce(AppServerClientBuilder builder, TurnInput input, ThreadOptions threadOptions,
            TurnOptions turnOptions, Class<T> type) {
        Objects.requireNonNull(type, "type");
        return once(builder, threadOptions, thread -> thread.run(input, turnOptions, type));
    }

    private static <T> Mono<T> once(AppServerClientBuilder builder, ThreadOptions threadOptions,
            java.util.function.Function<CodexThread, Mono<T>> turn) {
        Objects.requireNonNull(builder, "builder");
        ThreadOptions ephemeral = Objects.requireNonNull(threadOptions, "threadOptions").toBuilder().ephemeral(true).build();
        return Mono.usingWhen(Mono.fromCallable(builder::build),
                client -> client.start().then(Mono.defer(() -> of(client).start(ephemeral))).flatMap(turn),
                AppServerClient::closeGracefully);
    }

    /**
     * Starts a new thread ({@code thread/start}), declaring the options' dynamic tools (whose calls this
     * library then answers during the thread's turns).
     */
    public Mono<CodexThread> start(ThreadOptions options) {
        Objects.requireNonNull(options, "options");
        return client.request(ClientMethods.THREAD_START, options.toStartParams())
                .map(r -> handle(r.thread(), options.dynamicTools()));
    }

    /**
     * A handle on an existing thread, by id: one this server process has loaded (started here, also through
     * the raw client, or resumed), or one stored in {@code CODEX_HOME}, which is then resumed with its own
     * settings so that it takes turns. Dynamic tools given to this client's thread API for the thread still
     * answer their calls. Fails with {@link ThreadNotFoundException} if there is no such thread.
     */
    public Mono<CodexThread> thread(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        return read(threadId, false).flatMap(snapshot -> snapshot.status() instanceof ThreadStatus.NotLoaded
                ? resume(threadId, ThreadOptions.defaults())
                : Mono.just(handle(snapshot, List.of())));
    }

    /**
     * Resumes the most recently updated stored thread (as {@code codex resume --last} does), or completes
     * empty if there is none; see {@link #resumeLatest(Path, ThreadOptions)}.
     */
    public Mono<CodexThread> resumeLatest(ThreadOptions options) {
        return latest(null, options);
    }

    /**
     * Resumes the most recently updated stored thread whose working directory is {@code cwd}, or completes
     * empty if there is none. "Most recent" is {@code thread/list} sorted by {@code updated_at}, newest first:
     * a thread that just ran a turn comes before one created later but not used since. Archived and
     * ephemeral threads are not stored, so never resumed.
     */
    public Mono<CodexThread> resumeLatest(Path cwd, ThreadOptions options) {
        return latest(Objects.requireNonNull(cwd, "cwd"), options);
    }

    private Mono<CodexThread> latest(Path cwd, ThreadOptions options) {
        Objects.requireNonNull(options, "options");
        ThreadListParams.Builder filter = ThreadListParams.builder()
                .limit(1L).sortKey(ThreadSortKey.UPDATED_AT).sortDirection(SortDirection.DESC);
        if (cwd != null) {
            filter.cwd(ThreadListCwdFilter.of(cwd.toAbsolutePath().normalize().toString()));
        }
        return Mono.defer(() -> page(filter.build(), null))
                .flatMap(page -> page.data() == null || page.data().isEmpty() ? Mono.empty()
                        : resume(page.data().get(0).id(), options));
    }

    /**
     * Resumes a thread by id ({@code thread/resume}): loads it from {@code CODEX_HOME} if this server process
     * has not loaded it yet, with its history; {@code options} override the settings it was created with.
     */
    public Mono<CodexThread> resume(String threadId, ThreadOptions options) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> client.request(ClientMethods.THREAD_RESUME, options.toResumeParams(threadId)))
                .onErrorMap(e -> ThreadNotFoundException.map(threadId, e))
                .map(r -> handle(r.thread(), options.dynamicTools()));
    }

    /**
     * Forks a thread ({@code thread/fork}): a new thread with a copy of its history. The fork answers the
     * calls of the options' dynamic tools, or else of those the source thread has in this client.
     */
    public Mono<CodexThread> fork(String threadId, ThreadOptions options) {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> client.request(ClientMethods.THREAD_FORK, options.toForkParams(threadId)))
                .onErrorMap(e -> ThreadNotFoundException.map(threadId, e))
                .map(r -> handle(r.thread(), !options.dynamicTools().isEmpty() ? options.dynamicTools()
                        : runningTurns.toolsByThread.getOrDefault(threadId, List.of())));
    }

    /**
     * Reads a thread ({@code thread/read}), with its turns and their items if {@code includeTurns}. Works for
     * threads this server process has loaded or that are stored in {@code CODEX_HOME}.
     */
    public Mono<ThreadSnapshot> read(String threadId, boolean includeTurns) {
        Objects.requireNonNull(threadId, "threadId");
        return client.request(ClientMethods.THREAD_READ, new ThreadReadParams(includeTurns, threadId))
                .onErrorMap(e -> ThreadNotFoundException.map(threadId, e))
                .map(r -> r.thread());
    }

    /** Every stored thread, newest first, page by page as the stream is consumed. */
    public Flux<ThreadSnapshot> list() {
        return list(ThreadListParams.builder().build());
    }

    /**
     * The threads matching {@code filter} ({@code thread/list}); the stream follows {@code nextCursor} from
     * page to page, requesting the next page only when the previous one has been consumed.
     *
     * <pre>{@code
     * CodexThreads.of(client).list(ThreadListParams.builder().searchTerm("flaky test").limit(20L).build())
     *         .take(50)
     *         .subscribe(t -> System.out.println(t.id() + " " + t.preview()));
     * }</pre>
     */
    public Flux<ThreadSnapshot> list(ThreadListParams filter) {
        Objects.requireNonNull(filter, "filter");
        return page(filter, filter.cursor())
                .expand(page -> page.nextCursor() == null ? Mono.empty() : page(filter, page.nextCursor()))
                .concatMapIterable(page -> page.data() == null ? List.of() : page.data());
    }

    private Mono<ThreadListResponse> page(ThreadListParams filter, String cursor) {
        return client.request(ClientMethods.THREAD_LIST, withCursor(filter, cursor));
    }

    /**
     * Archives a thread ({@code thread/archive}): it leaves the default listing (it is listed with
     * {@code archived(true)}) and is unloaded, so it takes no turns; {@link #read} still works.
     */
    public Mono<Void> archive(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        return client.request(ClientMethods.THREAD_ARCHIVE, new ThreadArchiveParams(threadId))
                .onErrorMap(e -> ThreadNotFoundException.map(threadId, e)).then();
    }

    /**
     * Brings an archived thread back ({@code thread/unarchive}) into the default listing. It stays unloaded:
     * {@link #resume(String, ThreadOptions) resume} it before running turns on it (until then they fail with
     * {@link ThreadNotFoundException}). Unarchiving a thread that is not archived fails with
     * {@link ThreadNotFoundException} too.
     */
    public Mono<ThreadSnapshot> unarchive(String threadId) {
        Objects.requireNonNull(threadId, "threadId");
        return client.request(ClientMethods.THREAD_UNARCHIVE, new ThreadUnarchiveParams(threadId))
                .onErrorMap(e -> ThreadNotFoundException.map(threadId, e))
                .map(r -> r.thread());
    }

    /**
     * Runs one command outside any thread ({@code command/exec}) under the server's sandbox policy and
     * emits its exit code and output, e.g. {@code exec(List.of("git", "status", "--short"))}.
     */
    public Mono<CommandExecResponse> exec(List<String> command) {
        Objects.requireNonNull(command, "command");
        return exec(CommandExecParams.builder().command(List.copyOf(command)).build());
    }

    /** {@code command/exec} with every option of the protocol (cwd, env, timeout, sandbox policy, ...). */
    public Mono<CommandExecResponse> exec(CommandExecParams params) {
        Objects.requireNonNull(params, "params");
        return client.request(ClientMethods.COMMAND_EXEC, params);
    }

    /** {@code true} while a turn started through this library runs on the thread. */
    public boolean hasRunningTurn(String threadId) {
        return runningTurns.byThread.containsKey(threadId);
    }

    /**
     * The same operations returning plain values, for callers that do not use Reactor. Its {@code close()}
     * leaves the client open: the client belongs to whoever built it.
     */
    public BlockingCodexThreads blocking() {
        return new BlockingCodexThreads(this, null);
    }

    AppServerClient client() {
        return client;
    }

    /** Claims the thread's one turn slot, then starts the turn; the slot is freed when the turn ends. */
    TurnHandle startTurn(String threadId, TurnOptions options, Mono<String> startRequest) {
        TurnHandle turn = new TurnHandle(client, threadId, options,
                runningTurns.toolsByThread.getOrDefault(threadId, List.of()), runningTurns.timer(),
                ended -> runningTurns.byThread.remove(threadId, ended));
        if (runningTurns.byThread.putIfAbsent(threadId, turn) != null) {
            throw new TurnInProgressException(threadId);
        }
        turn.start(startRequest);
        return turn;
    }

    private CodexThread handle(ThreadSnapshot thread, List<DynamicTool> tools) {
        if (!tools.isEmpty()) {
            runningTurns.toolsByThread.put(thread.id(), tools);
        }
        return new CodexThread(this, client, thread);
    }

    private static ThreadListParams withCursor(ThreadListParams f, String cursor) {
        return new ThreadListParams(f.ancestorThreadId(), f.archived(), f.attachedToThreadId(),
                f.currentAccountOnly(), cursor, f.cwd(), f.excludedThreadIds(), f.includeAttachedThreads(),
                f.limit(), f.modelProviders(), f.originators(), f.parentThreadId(), f.projectId(),
                f.searchTerm(), f.sectionId(), f.sortDirection(), f.sortKey(), f.sourceKinds(), f.useStateDbOnly());
    }
}

package dev.codex4j.examples.webflux;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.types.AskForApproval;
import dev.codex4j.appserver.protocol.types.SandboxMode;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnInput;
import dev.codex4j.appserver.thread.TurnOptions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The running turns of every browser tab, by session id: each prompt starts a new thread and a turn in it on
 * the one shared codex client, with approval handlers of its own. A session is kept a while after its turn
 * ends, so that a reconnecting page still gets the ending.
 */
@Service
class TurnSessions implements AutoCloseable {

    /** How long a finished turn's events stay available to a page that reconnects. */
    private static final Duration KEEP_AFTER_END = Duration.ofMinutes(2);

    private final CodexThreads threads;
    private final ExampleProperties properties;
    private final ObjectMapper json = new ObjectMapper();
    private final Scheduler timer = Schedulers.newSingle("turn-sessions-timer", true);
    private final Map<String, TurnSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();

    TurnSessions(AppServerClient client, ExampleProperties properties) {
        this.threads = CodexThreads.of(client);
        this.properties = properties;
    }

    /** Starts a turn for {@code prompt}; empty if {@code maxRunningTurns} turns already run. */
    Optional<TurnSession> start(String prompt) {
        if (running.incrementAndGet() > properties.maxRunningTurns()) {
            running.decrementAndGet();
            return Optional.empty();
        }
        TurnSession session = new TurnSession(UUID.randomUUID().toString(), properties.approvalTimeout(), timer, json);
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(session::askCommand)
                .onFileChangeAsync(session::askFileChange)
                // the library's own limit would decline too, but without telling the page; ours comes first
                .handlerTimeout(properties.approvalTimeout().plusSeconds(30))
                .build();
        // what makes codex ask: commands that want to leave a read-only sandbox, under on-request approvals
        ThreadOptions thread = ThreadOptions.builder()
                .approvalPolicy(AskForApproval.ON_REQUEST).sandbox(SandboxMode.READ_ONLY).ephemeral(true).build();
        sessions.put(session.id(), session);
        threads.start(thread)
                .map(started -> started.turn(TurnInput.text(prompt), TurnOptions.builder().approvals(approvals)
                        .timeout(properties.turnTimeout()).build()))
                .subscribe(session::follow, session::failed);
        session.events(-1).then()
                .onErrorResume(e -> Mono.empty())
                .doFinally(signal -> running.decrementAndGet())
                .then(Mono.delay(KEEP_AFTER_END, timer))
                .subscribe(x -> sessions.remove(session.id()));
        return Optional.of(session);
    }

    Optional<TurnSession> find(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    @Override
    public void close() {
        timer.dispose();
    }
}

package dev.codex4j.examples.webflux;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.thread.TurnHandle;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One browser tab's turn: the page events it streams, and the approvals waiting for that tab's person.
 *
 * <p>Approvals reach only this session: its handlers are the turn's own ({@code TurnOptions.approvals}), which
 * codex4j routes by thread, and an answer is accepted only for an approval id this session issued. Each
 * approval ends exactly once: by the person's click, or declined when {@code approvalTimeout} passes (or
 * when the turn ends first); whichever comes first removes it from {@link #pending}, so the other finds
 * nothing to answer.
 */
final class TurnSession {

    /** How an approval was decided. */
    enum Answer {
        ACCEPTED, DECLINED, TIMED_OUT;

        boolean accepts() {
            return this == ACCEPTED;
        }
    }

    private final String id;
    private final Duration approvalTimeout;
    private final Scheduler timer;
    private final ObjectMapper json;
    private final TurnEvents translator;
    private final Sinks.Many<PageEvent> events = Sinks.many().replay().limit(10_000);
    private final Sinks.One<TurnHandle> turn = Sinks.one();
    private final Map<String, Sinks.One<Answer>> pending = new ConcurrentHashMap<>();
    private long emitted;   // guarded by this

    TurnSession(String id, Duration approvalTimeout, Scheduler timer, ObjectMapper json) {
        this.id = id;
        this.approvalTimeout = approvalTimeout;
        this.timer = timer;
        this.json = json;
        this.translator = new TurnEvents(json);
    }

    String id() {
        return id;
    }

    /** The page events so far and to come, from the one after {@code lastSeen} ({@code -1}: all). */
    Flux<PageEvent> events(long lastSeen) {
        return events.asFlux().filter(e -> e.index() > lastSeen);
    }

    /** Streams {@code handle}'s events to the page, then how the turn ended; the stream ends after that. */
    void follow(TurnHandle handle) {
        turn.tryEmitValue(handle);
        handle.events()
                .onErrorResume(e -> Flux.empty())   // the result says why
                .doOnNext(event -> translator.translate(event, this::emit))
                .then(handle.result())
                .subscribe(result -> end(translator.done(result)), error -> end(translator.failed(error)));
    }

    /** Ends a session whose turn never started. */
    void failed(Throwable error) {
        end(translator.failed(error));
    }

    /** The command approval handler: shows the command to the person and waits for their answer. */
    Mono<CommandExecutionApprovalDecision> askCommand(CommandExecutionRequestApprovalParams request) {
        ObjectNode prompt = json.createObjectNode().put("kind", "command").put("itemId", request.itemId())
                .put("command", request.command()).put("cwd", request.cwd()).put("reason", request.reason());
        return ask(Mono.just(prompt)).map(answer -> answer.accepts()
                ? CommandExecutionApprovalDecision.ACCEPT : CommandExecutionApprovalDecision.DECLINE);
    }

    /**
     * The file-change approval handler: shows the diff (the request has none; the item's {@code item/started}
     * has, and the turn's replay keeps it) and waits for the person's answer.
     */
    Mono<FileChangeApprovalDecision> askFileChange(FileChangeRequestApprovalParams request) {
        Mono<ObjectNode> prompt = turn.asMono()
                .flatMapMany(TurnHandle::events)
                .ofType(ServerNotification.ItemStarted.class)
                .map(started -> started.params().item())
                .filter(item -> item instanceof ThreadItem.FileChange change && change.id().equals(request.itemId()))
                .next()
                .timeout(Duration.ofSeconds(5), Mono.empty(), timer)
                .map(item -> {
                    ObjectNode data = json.createObjectNode();
                    translator.changes(data.putArray("changes"), ((ThreadItem.FileChange) item).changes());
                    return data;
                })
                .defaultIfEmpty(json.createObjectNode())
                .map(data -> data.put("kind", "fileChange").put("itemId", request.itemId())
                        .put("reason", request.reason()));
        return ask(prompt).map(answer -> answer.accepts()
                ? FileChangeApprovalDecision.ACCEPT : FileChangeApprovalDecision.DECLINE);
    }

    /**
     * Answers one of this session's approvals; {@code false} if it has no such approval waiting (unknown,
     * another tab's, already answered or timed out).
     */
    boolean answer(String approvalId, boolean accept) {
        Sinks.One<Answer> waiting = pending.remove(approvalId);
        return waiting != null && waiting.tryEmitValue(accept ? Answer.ACCEPTED : Answer.DECLINED).isSuccess();
    }

    private Mono<Answer> ask(Mono<ObjectNode> prompt) {
        return prompt.flatMap(data -> {
            String approvalId = UUID.randomUUID().toString();
            Sinks.One<Answer> answer = Sinks.one();
            pending.put(approvalId, answer);
            emit("approval", data.put("approvalId", approvalId).put("timeoutSeconds", approvalTimeout.toSeconds()));
            return answer.asMono()
                    .timeout(approvalTimeout, Mono.defer(() -> pending.remove(approvalId) != null
                            ? Mono.just(Answer.TIMED_OUT) : answer.asMono()), timer)   // a click that just won
                    .doOnNext(decided -> emit("approvalResolved", json.createObjectNode()
                            .put("approvalId", approvalId).put("decision", decided.accepts() ? "accept" : "decline")
                            .put("timedOut", decided == Answer.TIMED_OUT)))
                    .doFinally(signal -> pending.remove(approvalId));
        });
    }

    private void end(ObjectNode done) {
        synchronized (this) {
            emit("done", done);
            events.tryEmitComplete();
        }
    }

    private synchronized void emit(String name, ObjectNode data) {
        // one emitter at a time (the lock): turn events and approvals arrive on different threads
        events.tryEmitNext(new PageEvent(emitted++, name, data));
    }
}

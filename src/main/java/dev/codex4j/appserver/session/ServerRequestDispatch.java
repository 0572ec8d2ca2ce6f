package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * When the server's requests are answered: each by one handler subscription, whose reply goes back on the
 * connection the request came on, exactly once; cancelled (nothing sent) when the server resolves the
 * request elsewhere ({@code serverRequest/resolved}), its turn completes, or the connection ends.
 */
final class ServerRequestDispatch {

    private record RunningHandler(Disposable subscription, String turnId) {}

    private final Session session;
    private final ServerRequestHandler handler;
    private final Map<RequestId, RunningHandler> running = new ConcurrentHashMap<>();

    ServerRequestDispatch(Session session, ServerRequestHandler handler) {
        this.session = session;
        this.handler = handler;
    }

    /** On the reader thread: what the handler and the dispatch learn from a notification before it is handed on. */
    void observe(Notification notification) {
        switch (notification.method()) { // one switch per notification: this runs for every delta of a flood
            case SERVER_REQUEST_RESOLVED -> cancel(notification.params().get("requestId"));
            case TURN_COMPLETED -> cancelTurn(notification.params().path("turn").path("id").asText(null));
            case ITEM_STARTED, ITEM_COMPLETED -> handler.observeItem(notification);
            default -> { }
        }
    }

    private static final String SERVER_REQUEST_RESOLVED = "serverRequest/resolved";
    private static final String TURN_COMPLETED = "turn/completed";
    private static final String ITEM_STARTED = "item/started";
    private static final String ITEM_COMPLETED = "item/completed";

    /** Runs the handler for {@code request}; its reply goes back on {@code via}, the connection it came on. */
    void dispatch(IncomingRequest request, Inbound via) {
        Disposable.Swap slot = Disposables.swap();
        JsonNode turnId = request.params().get("turnId");
        if (turnId != null && session.recovery != null && session.recovery.isOrphaned(turnId.asText())) {
            // its caller was told the turn failed; the restart interrupts it, which resolves this request
            Session.log.warn("not answering {} (id {}): turn {} was failed when the connection was lost and is being "
                    + "interrupted", request.method(), request.id(), turnId.asText());
            return;
        }
        RunningHandler entry = new RunningHandler(slot, turnId == null ? null : turnId.asText());
        if (running.putIfAbsent(request.id(), entry) != null) {
            Session.log.warn("server reused request id {} while it was still being handled; ignoring the new {}",
                    request.id(), request.method());
            return;
        }
        Mono<ServerRequestReply> decision = Mono.defer(() -> handler.handle(request, session.handlers))
                .subscribeOn(session.handlers)
                .onErrorResume(error -> {
                    Session.log.error("handling server request {} failed; sending its fallback", request.method(),
                            error);
                    return Mono.just(handler.fallback(request));
                })
                .doFinally(signal -> running.remove(request.id(), entry));
        slot.update(decision.subscribe(reply -> {
            // Leave the table before answering: the server's serverRequest/resolved for our own answer can
            // arrive before doFinally runs, and must not look like a resolution from elsewhere.
            if (running.remove(request.id(), entry)) {
                reply(via, request, reply);
            }
        }));
    }

    /** The connection ended: no handler may answer on it, and what it announced is gone. */
    void cancelAll() {
        running.values().forEach(r -> r.subscription().dispose());
        running.clear();
        handler.connectionEnded();
    }

    void sessionEnded() {
        handler.sessionEnded();
    }

    private void reply(Inbound via, IncomingRequest request, ServerRequestReply reply) {
        if (via.ended != null) { // never answer a dead server's request on a restarted one: ids start over
            Session.log.debug("reply to {} (id {}) not sent: its connection has ended", request.method(), request.id());
            return;
        }
        byte[] bytes;
        try {
            bytes = session.codec.encodeReply(request.id(), reply);
        } catch (Throwable e) { // a handler's response object may even recurse without end
            Session.log.error("cannot serialize the reply to {} (id {}); answering with its fallback",
                    request.method(), request.id(), e);
            bytes = session.codec.encodeReply(request.id(), handler.fallback(request));
        }
        try {
            via.transport.send(bytes);
        } catch (IOException e) {
            Session.log.debug("reply to {} (id {}) not sent: {}", request.method(), request.id(), e.toString());
        }
    }

    private void cancelTurn(String turnId) {
        if (turnId == null) {
            return;
        }
        running.forEach((id, entry) -> {
            if (turnId.equals(entry.turnId()) && running.remove(id, entry)) {
                Session.log.debug("turn {} ended; cancelling the handler of request {}", turnId, id);
                entry.subscription().dispose();
            }
        });
    }

    private void cancel(JsonNode requestId) {
        if (requestId == null) {
            return;
        }
        RequestId id = requestId.isTextual() ? RequestId.of(requestId.textValue())
                : requestId.canConvertToLong() ? RequestId.of(requestId.longValue()) : null;
        RunningHandler entry = id == null ? null : running.remove(id);
        if (entry != null) {
            Session.log.debug("server resolved request {} elsewhere; cancelling its handler", id);
            entry.subscription().dispose();
        }
    }
}

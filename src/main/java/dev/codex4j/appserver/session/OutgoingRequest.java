package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ExperimentalApiNotEnabledException;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.Response;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;

/**
 * A cold {@code Mono} of one request: each subscription sends it under a new id, and again (under another new
 * id) while the server answers "overloaded" and the {@link dev.codex4j.appserver.rpc.OverloadRetryPolicy} budget
 * lasts. No other request is ever sent twice. Each attempt waits {@code timeout} for its response.
 */
final class OutgoingRequest extends Mono<JsonNode> {

    private final Session session;
    private final String method;
    private final Object params;
    private final boolean handshake;
    private final Duration timeout;

    OutgoingRequest(Session session, String method, Object params, boolean handshake, Duration timeout) {
        this.session = session;
        this.method = method;
        this.params = params;
        this.handshake = handshake;
        this.timeout = timeout;
    }

    @Override
    public void subscribe(CoreSubscriber<? super JsonNode> actual) {
        Attempts attempts = new Attempts();
        RequestCall call = new RequestCall(actual, attempts, session::deliver);
        attempts.call = call;
        call.onCancel(attempts);
        actual.onSubscribe(call);
        if (!call.isDone()) {
            attempts.send();
        }
    }

    /**
     * One subscription's request: sends it, forgets it when the subscriber cancels, and turns its error
     * responses into the subscriber's exception, or into another attempt (under a new id) after a wait.
     */
    private final class Attempts implements RequestCall.ErrorMapper, Runnable {

        private RequestCall call;
        /** When the first attempt was registered; written before it is sent, read on its error response. */
        private long firstSentAt;
        private int number = 1; // only the thread completing the current attempt touches it
        private volatile long id; // of the current attempt, 0 before it is registered

        /** The subscriber cancelled: forget the current attempt (a late response is dropped). */
        @Override
        public void run() {
            long current = id;
            if (current != 0) {
                session.pending.remove(current);
            }
        }

        @Override
        public Throwable of(Response errorResponse) {
            JsonRpcError error = redacted(errorResponse.error());
            if (!OverloadRetrier.isOverloaded(error)) {
                return new JsonRpcErrorException(method, error);
            }
            Duration wait = session.overload.nextWait(method, number, firstSentAt);
            if (wait == null) {
                return OverloadRetrier.exhausted(method, error, number, firstSentAt);
            }
            number++;
            try {
                // on the dispatch pool: a failure to send runs the subscriber's onError there
                session.dispatch.schedule(this::send, wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                return session.closedOr("the client is closed");
            }
            return null;
        }

        /** Sends the current attempt under a new id, or fails the call if it cannot be sent. */
        void send() {
            ConnectionClosedException closed = session.closedWith;
            if (closed != null) {
                call.fail(closed);
                return;
            }
            if (!handshake && session.state.get() != Session.State.READY) {
                call.fail(session.notReady(method));
                return;
            }
            if (!session.config.experimentalApi() && Session.EXPERIMENTAL_METHODS.contains(method)) {
                call.fail(new ExperimentalApiNotEnabledException(method));
                return;
            }
            long next = session.pending.nextId();
            byte[] bytes;
            try {
                bytes = session.codec.encodeRequest(next, method, params);
            } catch (IllegalArgumentException e) {
                call.fail(new IllegalArgumentException("cannot serialize the params of '" + method + "': "
                        + e.getMessage(), e));
                return;
            }
            long now = System.nanoTime();
            if (firstSentAt == 0) {
                firstSentAt = now;
            }
            id = next;
            session.pending.register(next, method, now, timeout, call);
            session.sweepAfter(timeout);
            if (call.isDone()) { // cancelled meanwhile: its cancel may have run before the registration
                session.pending.remove(next);
                return;
            }
            Inbound via = session.connection;
            ConnectionClosedException ended = via.ended;
            if (ended != null) { // the connection ended while this was registered: its end may have missed it
                session.pending.fail(next, ended);
                return;
            }
            via.completions.beforeSend(now);
            try {
                via.transport.send(bytes);
            } catch (IOException e) {
                // The transport is ending; its report fails this request with the exit code and stderr.
                Session.log.debug("writing '{}' (id {}) failed: {}", method, next, e.toString());
            }
        }

        /** Servers echo input in error messages; an API key sent in params must not come back in an exception. */
        private JsonRpcError redacted(JsonRpcError error) {
            String message = session.redactor.redact(error.message());
            return message.equals(error.message()) ? error : new JsonRpcError(error.code(), message, error.data());
        }
    }
}

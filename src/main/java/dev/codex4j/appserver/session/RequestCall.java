package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.Response;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Consumer;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Operators;

/**
 * The subscription of one request: the waiter {@link PendingRequests} completes, turned into at most one
 * {@code onNext}/{@code onComplete} or one {@code onError} for the subscriber. A hand-written state machine
 * instead of {@code Mono.create(..).flatMap(..)}: that assembly cost more than encoding the request.
 *
 * <p>A result may arrive before the subscriber has asked for it: it is kept until {@link #request} (Reactive
 * Streams allows an error at any time). Cancelling forgets the request (see {@code onCancel}); whatever
 * arrives later is dropped.
 */
final class RequestCall implements Subscription, PendingRequests.Waiter {

    private static final int REQUESTED = 1;
    private static final int HAS_RESULT = 2;
    private static final int DONE = 4; // terminal: emitted or cancelled

    private static final AtomicIntegerFieldUpdater<RequestCall> STATE =
            AtomicIntegerFieldUpdater.newUpdater(RequestCall.class, "state");

    /** Turns an error response into the exception the caller sees. */
    interface ErrorMapper {
        /** The exception, or {@code null} when the request is being sent again (the call goes on). */
        Throwable of(Response errorResponse);
    }

    private final CoreSubscriber<? super JsonNode> actual;
    private final ErrorMapper errors;
    private final Consumer<Runnable> failureDelivery;
    private volatile int state;
    private JsonNode result; // written before HAS_RESULT is set, read after it is seen
    private Runnable onCancel = () -> { };

    /**
     * @param failureDelivery runs failures that do not come with a response (timeouts, connection loss, which
     *     happen on library threads that must not run user code) where continuations may run
     */
    RequestCall(CoreSubscriber<? super JsonNode> actual, ErrorMapper errors, Consumer<Runnable> failureDelivery) {
        this.actual = actual;
        this.errors = errors;
        this.failureDelivery = failureDelivery;
    }

    /** What to do when the subscriber cancels before the request is answered; set before it is sent. */
    void onCancel(Runnable action) {
        this.onCancel = action;
    }

    /** Whether it has ended (answered, failed or cancelled). */
    boolean isDone() {
        return (state & DONE) != 0;
    }

    /** Fails the call at once, on the calling thread (before anything was sent). */
    void fail(Throwable error) {
        if (markDone()) {
            actual.onError(error);
        }
    }

    @Override
    public void onResponse(Response response) {
        if (response.isError()) {
            if (isDone()) {
                return;
            }
            Throwable error = errors.of(response);
            if (error != null && markDone()) {
                actual.onError(error);
            }
            return;
        }
        result = response.result();
        if (arrive(HAS_RESULT, REQUESTED)) {
            emit();
        }
    }

    @Override
    public void onFailure(Throwable error) {
        failureDelivery.accept(() -> {
            if (markDone()) {
                actual.onError(error);
            }
        });
    }

    @Override
    public void request(long n) {
        if (Operators.validate(n) && arrive(REQUESTED, HAS_RESULT)) {
            emit();
        }
    }

    @Override
    public void cancel() {
        if (markDone()) {
            result = null;
            onCancel.run();
        }
    }

    /**
     * Records {@code bit} (demand or the result); returns {@code true} when {@code other} was already there,
     * having marked the call done: the caller then emits the result, exactly once.
     */
    private boolean arrive(int bit, int other) {
        for (;;) {
            int s = state;
            if ((s & (DONE | bit)) != 0) {
                return false;
            }
            boolean both = (s & other) != 0;
            if (STATE.compareAndSet(this, s, s | bit | (both ? DONE : 0))) {
                return both;
            }
        }
    }

    private void emit() {
        JsonNode value = result;
        result = null;
        actual.onNext(value);
        actual.onComplete();
    }

    private boolean markDone() {
        for (;;) {
            int s = state;
            if ((s & DONE) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | DONE)) {
                return true;
            }
        }
    }
}

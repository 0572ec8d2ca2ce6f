package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * A request reported to a {@link ClientObserver}: one activity per subscription, from before it is sent to its
 * response, failure or cancellation, with the turn found in the subscriber's Reactor {@code Context} under
 * {@link ClientObserver#PARENT_KEY} as its parent. Only used when the observer is {@link ClientObserver#enabled()}.
 */
final class ObservedRequest {

    private ObservedRequest() {}

    static Mono<JsonNode> of(Mono<JsonNode> request, String method, ClientObserver observer) {
        return Mono.deferContextual(context -> {
            ClientObserver.Activity activity = observer.requestStarted(method,
                    context.getOrDefault(ClientObserver.PARENT_KEY, null));
            Ending ending = new Ending();
            // before the subscriber sees the signal, so the latency is the request's and not the subscriber's work
            return request
                    .doOnSuccess(result -> ending.stop(activity, "success", null))
                    .doOnError(error -> ending.stop(activity, outcome(error), error))
                    .doOnCancel(() -> ending.stop(activity, "cancelled", null));
        });
    }

    /** Stops the activity once: a subscriber may cancel after the value (as {@code take(1)} does). */
    private static final class Ending extends AtomicBoolean {

        void stop(ClientObserver.Activity activity, String outcome, Throwable error) {
            if (compareAndSet(false, true)) {
                activity.stop(outcome, error);
            }
        }
    }

    /** The outcome word of a failed request. */
    static String outcome(Throwable error) {
        if (error instanceof RequestTimeoutException) {
            return "timeout";
        }
        return error instanceof ConnectionClosedException ? "closed" : "error";
    }
}

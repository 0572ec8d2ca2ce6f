package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

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
            return request
                    .doOnNext(result -> ending.answered = true)
                    .doOnError(error -> ending.error = error)
                    // once per subscription, however it ends: a subscriber may cancel after the value (toFuture does)
                    .doFinally(signal -> ending.report(activity, signal));
        });
    }

    /** What one subscription saw; its signals come one at a time. */
    private static final class Ending {
        boolean answered;
        Throwable error;

        void report(ClientObserver.Activity activity, SignalType signal) {
            if (error != null) {
                activity.stop(outcome(error), error);
            } else if (answered || signal == SignalType.ON_COMPLETE) {
                activity.stop("success", null);
            } else {
                activity.stop("cancelled", null);
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

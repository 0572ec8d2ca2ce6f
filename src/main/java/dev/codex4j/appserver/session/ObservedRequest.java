package dev.codex4j.appserver.session;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
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
            return request
                    .doOnSuccess(result -> activity.stop("success", null))
                    .doOnError(error -> activity.stop(outcome(error), error))
                    .doOnCancel(() -> activity.stop("cancelled", null));
        });
    }

    /** The outcome word of a failed request. */
    static String outcome(Throwable error) {
        if (error instanceof RequestTimeoutException) {
            return "timeout";
        }
        return error instanceof ConnectionClosedException ? "closed" : "error";
    }
}

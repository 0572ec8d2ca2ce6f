package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.rpc.JsonRpcError;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Applies an {@link OverloadRetry} to one request. Each attempt is a fresh subscription to the request's cold
 * {@code Mono}, which sends it again under a new id; only a {@code -32001} answer leads to another attempt.
 */
final class OverloadRetrier {

    private static final Logger log = LoggerFactory.getLogger(OverloadRetrier.class);

    private final OverloadRetry policy;
    private final Scheduler timer;

    OverloadRetrier(OverloadRetry policy, Scheduler timer) {
        this.policy = policy;
        this.timer = timer;
    }

    /** {@code attempt}, re-subscribed after a backoff while the server answers "overloaded" and budget is left. */
    Mono<JsonNode> apply(String method, Mono<JsonNode> attempt) {
        return Mono.defer(() -> attempt(method, attempt, 1, System.nanoTime()));
    }

    private Mono<JsonNode> attempt(String method, Mono<JsonNode> attempt, int number, long firstSentAt) {
        return attempt.onErrorResume(OverloadRetrier::isOverloaded, e -> {
            JsonRpcError error = ((JsonRpcErrorException) e).error();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - firstSentAt);
            if (number >= policy.maxAttempts()) {
                return Mono.error(new ServerOverloadedException(method, error, number, elapsed));
            }
            Duration wait = policy.backoff(number, ThreadLocalRandom.current());
            if (elapsed.plus(wait).compareTo(policy.maxTotal()) > 0) {
                return Mono.error(new ServerOverloadedException(method, error, number, elapsed));
            }
            log.debug("'{}' refused by an overloaded app-server (attempt {}); retrying in {} ms", method, number,
                    wait.toMillis());
            return Mono.delay(wait, timer).then(Mono.defer(() -> attempt(method, attempt, number + 1, firstSentAt)));
        });
    }

    private static boolean isOverloaded(Throwable e) {
        return e instanceof JsonRpcErrorException j && !(e instanceof ServerOverloadedException)
                && j.code() == JsonRpcError.SERVER_OVERLOADED;
    }
}

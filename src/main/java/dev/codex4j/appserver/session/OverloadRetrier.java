package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.OverloadRetryPolicy;
import dev.codex4j.appserver.rpc.ServerOverloadedException;
import dev.codex4j.appserver.rpc.JsonRpcError;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies an {@link OverloadRetryPolicy} to the error responses of one request: whether a {@code -32001} answer
 * leads to another attempt (sent under a new id) and after how long, or ends the request. The request's own
 * subscription does the sending, so a request that is answered pays nothing for the retry budget.
 */
final class OverloadRetrier {

    private static final Logger log = LoggerFactory.getLogger(OverloadRetrier.class);

    private final OverloadRetryPolicy policy;

    OverloadRetrier(OverloadRetryPolicy policy) {
        this.policy = policy;
    }

    /**
     * The wait before attempt {@code number + 1} of {@code method} after attempt {@code number} (1-based) was
     * refused as overloaded, or {@code null} when the budget is spent and the request fails with
     * {@link #exhausted}.
     *
     * @param firstSentAt {@link System#nanoTime()} when the first attempt was sent
     */
    Duration nextWait(String method, int number, long firstSentAt) {
        if (number >= policy.maxAttempts()) {
            return null;
        }
        Duration wait = policy.backoff(number, ThreadLocalRandom.current());
        if (elapsedSince(firstSentAt).plus(wait).compareTo(policy.maxTotal()) > 0) {
            return null;
        }
        log.debug("'{}' refused by an overloaded app-server (attempt {}); retrying in {} ms", method, number,
                wait.toMillis());
        return wait;
    }

    /** What a request fails with once {@link #nextWait} returned {@code null}. */
    static ServerOverloadedException exhausted(String method, JsonRpcError lastError, int attempts, long firstSentAt) {
        return new ServerOverloadedException(method, lastError, attempts, elapsedSince(firstSentAt));
    }

    static boolean isOverloaded(JsonRpcError error) {
        return error.code() == JsonRpcError.SERVER_OVERLOADED;
    }

    private static Duration elapsedSince(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime);
    }
}

package dev.codex4j.appserver.rpc;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How requests answered with JSON-RPC error {@code -32001} ("Server overloaded; retry later.") are retried.
 *
 * <p>Only that code is retried: the server refused the request without acting on it, so sending it again
 * (with a new id) is safe. Every other error, a timeout or a lost connection is never retried.
 *
 * <p>Retry {@code n} (1-based) waits {@code min(initialBackoff * 2^(n-1), maxBackoff)}, of which a random
 * half is jitter (the wait lies between half and all of that value), so clients that were refused together
 * do not come back together. The request gives up with a {@link ServerOverloadedException} once
 * {@code maxAttempts} attempts were refused, or when the next wait would end later than {@code maxTotal}
 * after the first attempt was sent.
 *
 * <pre>{@code
 * AppServerClient.builder().overloadRetry(OverloadRetryPolicy.of(8, Duration.ofMillis(200), Duration.ofSeconds(5),
 *         Duration.ofSeconds(30)))
 * }</pre>
 */
public final class OverloadRetryPolicy {

    private static final OverloadRetryPolicy NONE = new OverloadRetryPolicy(1, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    private static final OverloadRetryPolicy DEFAULTS =
            new OverloadRetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(10));

    private final int maxAttempts;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxTotal;

    private OverloadRetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal) {
        this.maxAttempts = maxAttempts;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.maxTotal = maxTotal;
    }

    /**
     * A retry budget.
     *
     * @param maxAttempts how many times a request is sent at most, the first time included (at least 1)
     * @param initialBackoff the wait before the first retry, before jitter (positive)
     * @param maxBackoff the longest wait between two attempts (at least {@code initialBackoff})
     * @param maxTotal how long after the first attempt a retry may still be sent (positive)
     */
    public static OverloadRetryPolicy of(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration maxTotal) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
        }
        positive(initialBackoff, "initialBackoff");
        positive(maxBackoff, "maxBackoff");
        positive(maxTotal, "maxTotal");
        if (maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is shorter than initialBackoff "
                    + initialBackoff);
        }
        return new OverloadRetryPolicy(maxAttempts, initialBackoff, maxBackoff, maxTotal);
    }

    /** The default: 5 attempts, 100 ms doubling up to 2 s, with jitter, within 10 s. */
    public static OverloadRetryPolicy defaults() {
        return DEFAULTS;
    }

    /** No retry: the first {@code -32001} fails the request with a {@link ServerOverloadedException}. */
    public static OverloadRetryPolicy none() {
        return NONE;
    }

    /** How many times a request is sent at most, the first time included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initialBackoff() {
        return initialBackoff;
    }

    public Duration maxBackoff() {
        return maxBackoff;
    }

    /** How long after the first attempt a retry may still be sent. */
    public Duration maxTotal() {
        return maxTotal;
    }

    /**
     * The wait before retry {@code retry} (1 for the first retry): between half and all of
     * {@code min(initialBackoff * 2^(retry-1), maxBackoff)}.
     */
    public Duration backoff(int retry, RandomGenerator random) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry must be at least 1: " + retry);
        }
        Objects.requireNonNull(random, "random");
        long capNanos = maxBackoff.toNanos();
        long nanos = initialBackoff.toNanos();
        for (int i = 1; i < retry && nanos < capNanos; i++) {
            nanos = nanos > capNanos / 2 ? capNanos : nanos * 2;
        }
        nanos = Math.min(nanos, capNanos);
        long half = nanos / 2;
        return Duration.ofNanos(nanos - half + (half == 0 ? 0 : random.nextLong(half + 1)));
    }

    @Override
    public String toString() {
        return this == NONE ? "OverloadRetryPolicy.none()" : "OverloadRetryPolicy.of(" + maxAttempts + ", " + initialBackoff
                + ", " + maxBackoff + ", " + maxTotal + ")";
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}

package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's requests that await a response, by id.
 *
 * <p>Contract: each registered request is completed at most once, by exactly one of its response
 * ({@link #complete}), its own timeout or cancellation ({@link #fail} / {@link #remove}), or the end of the
 * connection ({@link #closeAll}). Whoever removes the entry from the table completes it, so two of these
 * racing can never both complete it, and no entry outlives its completion. After {@link #closeAll},
 * {@link #register} fails the new waiter at once with the same cause.
 */
public final class PendingRequests {

    /** Receives the outcome of one request; called once, on whichever thread completed it. */
    public interface Waiter {
        void onResponse(Response response);

        void onFailure(Throwable error);
    }

    /**
     * {@code deadline} is a {@link System#nanoTime()} value ({@link #NO_DEADLINE} for none); {@code timeout} the
     * duration it was computed from, for the timeout's message ({@code null} if none was given).
     */
    private record Entry(String method, Waiter waiter, long deadline, Duration timeout) {}

    /** The deadline of a request that waits as long as it takes. */
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    /** What a request that overran its deadline fails with. */
    public interface TimeoutCause {
        /** @param timeout the timeout the request was registered with ({@code null} if only a deadline was given) */
        Throwable of(long id, String method, Duration timeout);
    }

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong lastId = new AtomicLong();
    private volatile Throwable closedWith;

    /** A fresh id, never used before by this table. */
    public long nextId() {
        return lastId.incrementAndGet();
    }

    /** Adds a request without a deadline; fails {@code waiter} immediately if the table is already closed. */
    public void register(long id, String method, Waiter waiter) {
        register(id, method, NO_DEADLINE, waiter);
    }

    /**
     * Adds a request that {@link #failExpired} fails once {@link System#nanoTime()} passes {@code deadline};
     * fails {@code waiter} immediately if the table is already closed. One periodic sweep instead of a timer
     * task per request: scheduling and cancelling those woke the timer thread on every request.
     */
    public void register(long id, String method, long deadline, Waiter waiter) {
        add(id, method, deadline, null, waiter);
    }

    /**
     * Adds a request sent at {@code sentAt} (a {@link System#nanoTime()} value) that {@link #failExpired} fails
     * once {@code timeout} has passed; a timeout too long to add to {@code sentAt} (decades) sets no deadline.
     */
    public void register(long id, String method, long sentAt, Duration timeout, Waiter waiter) {
        Objects.requireNonNull(timeout, "timeout");
        add(id, method, deadline(sentAt, timeout), timeout, waiter);
    }

    /** {@code sentAt + timeout}, or {@link #NO_DEADLINE} where that would not compare safely with nanoTime values. */
    static long deadline(long sentAt, Duration timeout) {
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException e) {
            return NO_DEADLINE;
        }
        // nanoTime values compare by difference, which holds for spans below 2^63 ns: keep well inside it
        return nanos >= Long.MAX_VALUE / 4 ? NO_DEADLINE : sentAt + nanos;
    }

    private void add(long id, String method, long deadline, Duration timeout, Waiter waiter) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(waiter, "waiter");
        if (entries.putIfAbsent(id, new Entry(method, waiter, deadline, timeout)) != null) {
            throw new IllegalStateException("request id " + id + " is already pending");
        }
        Throwable cause = closedWith;
        if (cause != null) {
            fail(id, cause); // closeAll ran concurrently and may have missed this entry
        }
    }

    /**
     * Completes the request the response answers.
     *
     * @return the method of the request it answered, or {@code null} if no request with that id is pending
     *     (already timed out, answered twice, or never sent)
     */
    public String complete(Response response) {
        if (!(response.id() instanceof RequestId.Numeric numeric)) {
            return null;
        }
        Entry entry = entries.remove(numeric.value());
        if (entry == null) {
            return null;
        }
        entry.waiter.onResponse(response);
        return entry.method;
    }

    /**
     * Removes and returns the waiter of the request {@code response} answers, for the caller to complete
     * (for example later, together with others); {@code null} if no request with that id is pending.
     */
    public Waiter take(Response response) {
        Objects.requireNonNull(response, "response");
        if (!(response.id() instanceof RequestId.Numeric numeric)) {
            return null;
        }
        Entry entry = entries.remove(numeric.value());
        return entry == null ? null : entry.waiter;
    }

    /** Fails every request whose deadline is before {@code now} with {@code cause}; returns how many. */
    public int failExpired(long now, TimeoutCause cause) {
        Objects.requireNonNull(cause, "cause");
        int expired = 0;
        for (Map.Entry<Long, Entry> e : entries.entrySet()) {
            Entry entry = e.getValue();
            if (entry.deadline != NO_DEADLINE && now - entry.deadline >= 0
                    && fail(e.getKey(), cause.of(e.getKey(), entry.method, entry.timeout))) {
                expired++;
            }
        }
        return expired;
    }

    /** Fails one request, if still pending. Returns whether it was. */
    public boolean fail(long id, Throwable error) {
        Entry entry = entries.remove(id);
        if (entry == null) {
            return false;
        }
        entry.waiter.onFailure(error);
        return true;
    }

    /** Forgets one request without completing it (its subscriber went away). Returns whether it was pending. */
    public boolean remove(long id) {
        return entries.remove(id) != null;
    }

    /** The method of a pending request, or {@code null}. */
    public String methodOf(long id) {
        Entry entry = entries.get(id);
        return entry == null ? null : entry.method;
    }

    /**
     * Fails every request pending now with {@code cause}, but not later ones: for a client that goes on over
     * a new connection. The requests are forgotten, never sent again.
     */
    public void failAll(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        for (Long id : entries.keySet()) {
            fail(id, cause);
        }
    }

    /** Fails every pending request with {@code cause} and every later registration too. */
    public void closeAll(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        if (closedWith == null) {
            closedWith = cause;
        }
        for (Long id : entries.keySet()) {
            fail(id, closedWith);
        }
    }

    /** How many requests await a response. */
    public int size() {
        return entries.size();
    }
}

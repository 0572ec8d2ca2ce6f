package dev.codex4j.appserver;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * Fans events (notifications, approval decisions) out to subscribers as a hot stream. The publisher only
 * enqueues: each subscriber has its own bounded queue, drained on the library's dispatch scheduler, so a
 * slow or blocking subscriber delays no one else. A subscriber that falls more than {@code bufferSize}
 * behind gets every event it had buffered, then a {@link NotificationOverflowException}.
 *
 * <p>The bound is counted here (published but not yet handed to the subscriber) rather than left to
 * Reactor's request accounting: {@code publishOn} replenishes demand in batches, so a subscriber that never
 * fell more than a few events behind could still be failed for overflow.
 */
final class Broadcast<T> {

    /** How many events the dispatch stage takes ahead from a subscriber's queue. */
    private static final int PREFETCH = 32;

    private record Subscriber<T>(FluxSink<T> sink, AtomicInteger waiting) {}

    private final CopyOnWriteArrayList<Subscriber<T>> sinks = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler;
    private final int bufferSize;
    /** {@code null} while live; then a {@link Completed} marker or the error that ended the connection. */
    private volatile Object terminal;

    private static final class Completed {}

    Broadcast(Scheduler scheduler, int bufferSize) {
        this.scheduler = scheduler;
        this.bufferSize = bufferSize;
    }

    Flux<T> flux() {
        return Flux.defer(() -> {
            Object end = terminal;
            if (end != null) {
                return end instanceof Throwable error ? Flux.error(error) : Flux.empty();
            }
            AtomicInteger waiting = new AtomicInteger();
            return Flux.<T>create(sink -> register(new Subscriber<>(sink, waiting)),
                            FluxSink.OverflowStrategy.BUFFER) // bounded by the count in publish()
                    .publishOn(scheduler, PREFETCH)
                    .doOnNext(event -> waiting.decrementAndGet());
        });
    }

    /** Delivers to every current subscriber; subscribers see events in the order of these calls. */
    void publish(T event) {
        publishAll(List.of(event));
    }

    /**
     * Delivers several events in order; each subscriber gets them in one tight run, so a subscriber that had
     * caught up is woken once for them all rather than once per event.
     */
    void publishAll(List<T> events) {
        if (events.isEmpty()) {
            return;
        }
        for (Subscriber<T> subscriber : sinks) {
            int accepted = Math.max(0, Math.min(events.size(), bufferSize - subscriber.waiting().get()));
            subscriber.waiting().addAndGet(accepted);
            FluxSink<T> sink = subscriber.sink();
            for (int i = 0; i < accepted; i++) {
                sink.next(events.get(i));
            }
            if (accepted < events.size()) { // as in publish(): what fit is delivered, then the error
                sinks.remove(subscriber);
                sink.error(new NotificationOverflowException(bufferSize, null));
            }
        }
    }

    void complete() {
        terminate(new Completed());
    }

    void error(Throwable error) {
        terminate(error);
    }

    int subscriberCount() {
        return sinks.size();
    }

    private void register(Subscriber<T> subscriber) {
        sinks.add(subscriber);
        subscriber.sink().onDispose(() -> sinks.remove(subscriber));
        Object end = terminal;
        if (end != null) { // the connection ended while this subscriber was joining
            signal(subscriber.sink(), end);
        }
    }

    private synchronized void terminate(Object end) {
        if (terminal != null) {
            return;
        }
        terminal = end;
        for (Subscriber<T> subscriber : sinks) {
            signal(subscriber.sink(), end);
        }
    }

    private static <E> void signal(FluxSink<E> sink, Object end) {
        if (end instanceof Throwable error) {
            sink.error(error);
        } else {
            sink.complete();
        }
    }
}

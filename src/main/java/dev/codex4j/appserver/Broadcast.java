package dev.codex4j.appserver;

import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * Fans events (notifications, approval decisions) out to subscribers as a hot stream. The publisher only
 * enqueues: each subscriber has its own bounded queue, drained on the library's dispatch scheduler, so a
 * slow or blocking subscriber delays no one else. A subscriber that falls {@code bufferSize} behind gets
 * every event it had buffered, then a {@link NotificationOverflowException}.
 */
final class Broadcast<T> {

    private final CopyOnWriteArrayList<FluxSink<T>> sinks = new CopyOnWriteArrayList<>();
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
            return Flux.<T>create(this::register, FluxSink.OverflowStrategy.ERROR)
                    .publishOn(scheduler, bufferSize)
                    .onErrorMap(Exceptions::isOverflow, e -> new NotificationOverflowException(bufferSize, e));
        });
    }

    /** Delivers to every current subscriber; subscribers see events in the order of these calls. */
    void publish(T event) {
        for (FluxSink<T> sink : sinks) {
            sink.next(event);
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

    private void register(FluxSink<T> sink) {
        sinks.add(sink);
        sink.onDispose(() -> sinks.remove(sink));
        Object end = terminal;
        if (end != null) { // the connection ended while this subscriber was joining
            signal(sink, end);
        }
    }

    private synchronized void terminate(Object end) {
        if (terminal != null) {
            return;
        }
        terminal = end;
        for (FluxSink<T> sink : sinks) {
            signal(sink, end);
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

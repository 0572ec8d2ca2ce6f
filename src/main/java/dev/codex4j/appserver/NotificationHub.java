package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.Notification;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;

/**
 * Fans notifications out to subscribers. The reader thread only enqueues: each subscriber has its own
 * bounded queue, drained on the library's dispatch scheduler, so a slow or blocking subscriber delays no
 * one else. A subscriber that falls {@code bufferSize} behind gets every notification it had buffered,
 * then a {@link NotificationOverflowException}.
 */
final class NotificationHub {

    private final CopyOnWriteArrayList<FluxSink<Notification>> sinks = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler;
    private final int bufferSize;
    /** {@code null} while live; then a {@link Completed} marker or the error that ended the connection. */
    private volatile Object terminal;

    private static final class Completed {}

    NotificationHub(Scheduler scheduler, int bufferSize) {
        this.scheduler = scheduler;
        this.bufferSize = bufferSize;
    }

    Flux<Notification> flux() {
        return Flux.defer(() -> {
            Object end = terminal;
            if (end != null) {
                return end instanceof Throwable error ? Flux.error(error) : Flux.empty();
            }
            return Flux.<Notification>create(this::register, FluxSink.OverflowStrategy.ERROR)
                    .publishOn(scheduler, bufferSize)
                    .onErrorMap(Exceptions::isOverflow, e -> new NotificationOverflowException(bufferSize, e));
        });
    }

    /** Called by the reader thread, in wire order. */
    void publish(Notification notification) {
        for (FluxSink<Notification> sink : sinks) {
            sink.next(notification);
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

    private void register(FluxSink<Notification> sink) {
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
        for (FluxSink<Notification> sink : sinks) {
            signal(sink, end);
        }
    }

    private static void signal(FluxSink<Notification> sink, Object end) {
        if (end instanceof Throwable error) {
            sink.error(error);
        } else {
            sink.complete();
        }
    }
}

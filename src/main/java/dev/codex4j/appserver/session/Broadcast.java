package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.NotificationOverflowException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;
import reactor.util.concurrent.Queues;

/**
 * Fans events (notifications, approval decisions) out to subscribers as a hot stream. The publisher only
 * enqueues: each subscriber has its own queue, drained on a worker of the library's dispatch scheduler, so a
 * slow or blocking subscriber delays no one else. A subscriber that falls more than {@code bufferSize}
 * behind gets every event it had buffered, then a {@link NotificationOverflowException}.
 *
 * <p>Hand-written rather than {@code Flux.create(..).publishOn(..)} per subscriber: that cost the publishing
 * thread (the reader) two queues and several atomic operations per event and subscriber. Here a burst of
 * events (one read's worth) goes into each subscriber's queue as one list, with one wake-up: the reader and
 * a subscriber's thread share a queue slot per burst, not per event. The bound is counted here (published but
 * not yet handed to the subscriber: the publisher counts what it enqueued, the drain what it handed on,
 * each in a field only it writes), so a subscriber is failed only if it really fell that far behind.
 */
public final class Broadcast<T> {

    /** Bursts per array a subscriber's queue grows by. */
    private static final int QUEUE_LINK_SIZE = 64;

    private final CopyOnWriteArrayList<Inbox<T>> inboxes = new CopyOnWriteArrayList<>();
    private final Scheduler scheduler;
    private final int bufferSize;
    /** Told each time a subscriber falls too far behind and its stream fails with an overflow. */
    private final Runnable onOverflow;
    /** {@code null} while live; then a {@link Completed} marker or the error that ended the connection. */
    private volatile Object terminal;

    private static final class Completed {}

    public Broadcast(Scheduler scheduler, int bufferSize) {
        this(scheduler, bufferSize, () -> { });
    }

    public Broadcast(Scheduler scheduler, int bufferSize, Runnable onOverflow) {
        this.scheduler = scheduler;
        this.bufferSize = bufferSize;
        this.onOverflow = onOverflow;
    }

    /** A hot stream: each subscriber sees what is published after it subscribed, then the end. */
    public Flux<T> flux() {
        return new Flux<>() {
            @Override
            public void subscribe(CoreSubscriber<? super T> actual) {
                Inbox<T> inbox = new Inbox<>(actual, scheduler.createWorker(), bufferSize, Broadcast.this);
                actual.onSubscribe(inbox);
                inboxes.add(inbox);
                Object end = terminal;
                if (end != null) { // it ended while this subscriber was joining
                    inbox.terminate(end);
                }
            }
        };
    }

    /** Delivers to every current subscriber; subscribers see events in the order of these calls. */
    public void publish(T event) {
        publishAll(List.of(event));
    }

    /**
     * Delivers several events in order; each subscriber gets them in one run, so a subscriber that had caught
     * up is woken once for them all rather than once per event. Publishers take turns (a lock per call, not
     * per event): each inbox then has one producer at a time. The list is handed on as it is, shared by the
     * subscribers: the caller must not change it afterwards.
     */
    synchronized void publishAll(List<T> events) {
        if (events.isEmpty()) {
            return;
        }
        for (Inbox<T> inbox : inboxes) {
            if (!inbox.offerAll(events)) {
                inboxes.remove(inbox);
            }
        }
    }

    public void complete() {
        terminate(new Completed());
    }

    void error(Throwable error) {
        terminate(error);
    }

    int subscriberCount() {
        return inboxes.size();
    }

    /** The most events any subscriber has waiting (published, not yet handed to it). */
    int largestBacklog() {
        int largest = 0;
        for (Inbox<T> inbox : inboxes) {
            largest = Math.max(largest, (int) inbox.waiting());
        }
        return largest;
    }

    private synchronized void terminate(Object end) {
        if (terminal != null) {
            return;
        }
        terminal = end;
        for (Inbox<T> inbox : inboxes) {
            inbox.terminate(end);
        }
    }

    /**
     * One subscriber's queue and its subscription: any thread enqueues, one drain at a time (on the
     * subscriber's worker) hands events on as the subscriber requests them, then the end.
     */
    private static final class Inbox<T> implements Subscription, Runnable {

        // A field updater is made from a class literal, which is raw (as in Reactor's own operators).
        @SuppressWarnings("rawtypes")
        private static final AtomicIntegerFieldUpdater<Inbox> WIP =
                AtomicIntegerFieldUpdater.newUpdater(Inbox.class, "wip");
        @SuppressWarnings("rawtypes")
        private static final AtomicLongFieldUpdater<Inbox> CONSUMED =
                AtomicLongFieldUpdater.newUpdater(Inbox.class, "consumed");
        @SuppressWarnings("rawtypes")
        private static final AtomicLongFieldUpdater<Inbox> REQUESTED =
                AtomicLongFieldUpdater.newUpdater(Inbox.class, "requested");

        private final CoreSubscriber<? super T> actual;
        private final Scheduler.Worker worker;
        private final int bufferSize;
        private final Broadcast<T> owner;
        /** Bursts; single-producer (publishers take turns), single-consumer (one drain at a time). */
        private final Queue<List<T>> queue = Queues.<List<T>>unbounded(QUEUE_LINK_SIZE).get();
        /** The drain's place: the burst being handed on and the next index in it (drain thread only). */
        private List<T> burst;
        private int next;
        /**
         * Events enqueued (written by the publisher, which holds the broadcast's lock) and handed to the
         * subscriber (written by the drain, an ordered store per event, no read-modify-write): their difference
         * is what the buffer bound counts.
         */
        private volatile long produced;
        private volatile long consumed;
        private volatile long requested;
        private volatile int wip;
        private volatile boolean done;
        private volatile boolean cancelled;
        private Throwable error; // written before done

        Inbox(CoreSubscriber<? super T> actual, Scheduler.Worker worker, int bufferSize, Broadcast<T> owner) {
            this.actual = actual;
            this.worker = worker;
            this.bufferSize = bufferSize;
            this.owner = owner;
        }

        /** Enqueues what fits in the buffer; {@code false} if not all did (the inbox then ends with the error). */
        boolean offerAll(List<T> events) {
            if (done || cancelled) {
                return !cancelled;
            }
            int accepted = (int) Math.max(0, Math.min(events.size(), bufferSize - waiting()));
            if (accepted > 0) {
                produced += accepted; // one publisher at a time
                queue.offer(accepted == events.size() ? events : events.subList(0, accepted));
            }
            boolean all = accepted == events.size();
            if (!all) { // what fit is delivered, then the error
                error = new NotificationOverflowException(bufferSize, null);
                done = true;
                owner.onOverflow.run();
            }
            schedule();
            return all;
        }

        void terminate(Object end) {
            if (end instanceof Throwable e) {
                error = e;
            }
            done = true;
            schedule();
        }

        @Override
        public void request(long n) {
            if (Operators.validate(n)) {
                Operators.addCap(REQUESTED, this, n);
                schedule();
            }
        }

        @Override
        public void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            owner.inboxes.remove(this);
            worker.dispose();
            if (WIP.getAndIncrement(this) == 0) {
                clear();
            }
        }

        private void schedule() {
            if (WIP.getAndIncrement(this) != 0) {
                return; // a drain is running or scheduled, and will see this
            }
            try {
                worker.schedule(this);
            } catch (RejectedExecutionException e) {
                if (!cancelled) { // the scheduler is shutting down: drain here rather than lose the end
                    run();
                }
            }
        }

        /** The drain. */
        @Override
        public void run() {
            int missed = 1;
            for (;;) {
                long r = requested;
                long emitted = 0;
                while (emitted != r) {
                    if (cancelled) {
                        clear();
                        return;
                    }
                    boolean finished = done;
                    if (burst == null) {
                        burst = queue.poll();
                        next = 0;
                        if (burst == null) {
                            if (finished) {
                                end();
                                return;
                            }
                            break;
                        }
                    }
                    T event = burst.get(next++);
                    if (next == burst.size()) {
                        burst = null;
                    }
                    CONSUMED.lazySet(this, consumed + 1); // off the backlog before the subscriber sees it
                    try {
                        actual.onNext(event);
                    } catch (Throwable e) {
                        Exceptions.throwIfFatal(e);
                        cancel();
                        actual.onError(e);
                        return;
                    }
                    emitted++;
                }
                if (emitted == r) {
                    if (cancelled) {
                        clear();
                        return;
                    }
                    if (done && burst == null && queue.isEmpty()) {
                        end();
                        return;
                    }
                }
                if (emitted != 0 && r != Long.MAX_VALUE) {
                    REQUESTED.addAndGet(this, -emitted);
                }
                missed = WIP.addAndGet(this, -missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        /** Published and not yet handed to the subscriber. */
        long waiting() {
            return produced - consumed;
        }

        private void clear() {
            burst = null;
            queue.clear();
        }

        private void end() {
            cancelled = true; // nothing more for this subscriber
            owner.inboxes.remove(this);
            worker.dispose();
            Throwable e = error;
            if (e != null) {
                actual.onError(e);
            } else {
                actual.onComplete();
            }
        }
    }
}

package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.rpc.ConnectionClosedException;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.NotificationOverflowException;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.thread.CodexThreads;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;

/**
 * One app-server of the pool: its client, its state, and its turn slots with their bounded wait queue. Every
 * change of state and slots happens under this object's lock; sinks are completed after it is released.
 *
 * <p>When a remote (WebSocket) member's connection drops or is given up for missed probes, its app-server keeps
 * running the turns the pool failed with {@code ConnectionClosedException}; its client's {@code RestartPolicy}
 * interrupts them once reconnected (see {@code RestartPolicy}), and without one they run to their end there.
 */
final class PoolMember {

    private static final Logger log = LoggerFactory.getLogger(PoolMember.class);

    final String name;
    final String tenant;
    /** The label of its thread storage when shared with other members, else {@code null}. */
    final String storage;
    final AppServerClient client;
    final CodexThreads threads;
    private final int maxTurns;
    private final int maxQueued;
    private final Duration queueTimeout;
    private final Scheduler timer;
    /** {@code null}: no health probes. */
    private final HealthProbe probe;
    /** Where probes are sent from: a send to a process that does not read its stdin may block. */
    private final Scheduler probes;

    private MemberState state = MemberState.STARTING;
    private int missedProbes;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile Disposable probeTask;
    private int running;
    private int restarts;
    private final AtomicInteger threadCount = new AtomicInteger();
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    /** Completed when a draining member has no running or queued turn left. */
    private final Sinks.Empty<Void> idle = Sinks.empty();
    private volatile Disposable monitor;

    PoolMember(String name, String tenant, String storage, AppServerClient client, int maxTurns, int maxQueued,
            Duration queueTimeout, Scheduler timer, HealthProbe probe, Scheduler probes) {
        this.name = name;
        this.tenant = tenant;
        this.storage = storage;
        this.client = client;
        this.threads = CodexThreads.of(client);
        this.maxTurns = maxTurns;
        this.maxQueued = maxQueued;
        this.queueTimeout = queueTimeout;
        this.timer = timer;
        this.probe = probe;
        this.probes = probes;
    }

    /**
     * Watches the connection (before the client starts, so nothing is missed) and starts the client. A failed
     * start makes the member {@link MemberState#DEAD}; with a {@code RestartPolicy} its client tries again with
     * the policy's backoff (a {@code ConnectionLost}, then a {@code Restarted} event), and the member is
     * {@link MemberState#READY} once an attempt succeeds, or stays dead when the budget is spent.
     */
    Mono<Void> start() {
        watch();
        return client.start().then(Mono.fromRunnable(() -> {
            synchronized (this) {
                if (state == MemberState.STARTING) {
                    state = MemberState.READY;
                }
            }
            startProbes();
        })).doOnError(this::startFailed).then();
    }

    private void startFailed(Throwable cause) {
        synchronized (this) {
            if (state != MemberState.STARTING) {
                return; // a retry has already made it DEAD (or READY, or it was closed)
            }
            state = MemberState.DEAD;
        }
        log.warn("pool member '{}' did not start: {}", name, cause.toString());
    }

    /** Probes from the first time the member is ready (its first start may only succeed as a retry). */
    private synchronized void startProbes() {
        if (probe == null || probeTask != null || state == MemberState.CLOSED) {
            return;
        }
        long every = probe.interval().toNanos();
        probeTask = timer.schedulePeriodically(this::probe, every, every, TimeUnit.NANOSECONDS);
    }

    /**
     * One health probe, unless the member is not taking work or the last probe is still out. Sent from the probe
     * scheduler; its answer is handled on the client's reader thread, where it only updates a counter.
     */
    private void probe() {
        synchronized (this) {
            if (state != MemberState.READY && state != MemberState.DRAINING) {
                return;
            }
        }
        if (!probing.compareAndSet(false, true)) {
            return;
        }
        Mono.defer(() -> client.request(HealthProbe.METHOD, HealthProbe.PARAMS, probe.timeout()))
                .subscribeOn(probes)
                .subscribe(answer -> probeAnswered(), this::probeFailed);
    }

    private void probeAnswered() {
        probing.set(false);
        synchronized (this) {
            missedProbes = 0;
        }
    }

    private void probeFailed(Throwable error) {
        if (error instanceof JsonRpcErrorException) {
            probeAnswered(); // an error is an answer: the server is there
        } else if (error instanceof RequestTimeoutException) {
            probing.set(false);
            probeMissed();
        } else {
            probing.set(false); // the connection ended or is restarting: the monitor hears of it
        }
    }

    /** One more missed probe; at the limit the member leaves placement and its client gives the connection up. */
    private void probeMissed() {
        List<Waiter> dropped;
        boolean wasDraining;
        int missed;
        synchronized (this) {
            if (state != MemberState.READY && state != MemberState.DRAINING) {
                return;
            }
            missed = ++missedProbes;
            if (missed < probe.maxMissed()) {
                log.info("pool member '{}' missed health probe {} of {} allowed", name, missed, probe.maxMissed());
                return;
            }
            wasDraining = state == MemberState.DRAINING;
            state = MemberState.UNRESPONSIVE;
            dropped = new ArrayList<>(queue);
            queue.clear();
        }
        String reason = probe.describeMiss(name, missed);
        log.warn("{}: out of placement; giving up its connection (its client's RestartPolicy, if any, starts a "
                + "new one)", reason);
        fail(dropped, new ConnectionClosedException(reason, null, List.of(), false, null));
        if (wasDraining) {
            idle.tryEmitEmpty();
        }
        client.dropConnection(reason); // running turns fail with a ConnectionClosedException saying why
    }

    private void watch() {
        monitor = client.connectionEvents().subscribe(event -> {
            if (event instanceof ConnectionEvent.ConnectionLost) {
                died(new ConnectionClosedException("pool member '" + name + "' lost its app-server (restarting)",
                        null, List.of(), false, null), true);
            } else if (event instanceof ConnectionEvent.Restarted) {
                restarted();
            }
        }, error -> {
            if (error instanceof NotificationOverflowException) {
                watch(); // fell behind on a burst: the stream carries on for a new subscriber
            } else {
                died(error, false);
            }
        }, this::closed);
    }

    boolean isReady() {
        synchronized (this) {
            return state == MemberState.READY;
        }
    }

    synchronized MemberState state() {
        return state;
    }

    synchronized MemberHealth health() {
        return new MemberHealth(name, tenant, state, running, queue.size(), restarts, threadCount.get());
    }

    void threadAdded() {
        threadCount.incrementAndGet();
    }

    void threadRemoved() {
        threadCount.decrementAndGet();
    }

    /**
     * A turn slot: at once if one is free, else after waiting in the queue (up to the queue timeout). Fails with
     * {@link PoolSaturatedException} past the queue's bound or timeout, and with
     * {@link MemberUnavailableException} if the member does not take turns.
     */
    Mono<Slot> admit() {
        Mono<Slot> admitted = Mono.create(sink -> {
            Waiter waiter = new Waiter(sink);
            RuntimeException refused = null;
            Slot granted = null;
            synchronized (this) {
                if (state != MemberState.READY) {
                    refused = unavailable();
                } else if (running < maxTurns) {
                    running++;
                    granted = new Slot();
                } else if (queue.size() >= maxQueued) {
                    refused = new PoolSaturatedException(name, maxTurns, maxQueued, Duration.ZERO, false);
                } else {
                    queue.add(waiter);
                }
            }
            if (refused != null) {
                sink.error(refused);
            } else if (granted != null) {
                sink.success(granted);
            } else {
                waiter.timeout = timer.schedule(() -> expire(waiter), queueTimeout.toMillis(),
                        java.util.concurrent.TimeUnit.MILLISECONDS);
                sink.onCancel(() -> withdraw(waiter));
            }
        });
        // a slot granted to a subscriber that had just cancelled is given back
        return admitted.doOnDiscard(Slot.class, Slot::release);
    }

    private MemberUnavailableException unavailable() {
        return new MemberUnavailableException(name, state, "pool member '" + name + "' is " + state.name()
                .toLowerCase(java.util.Locale.ROOT) + ": it takes no new turns");
    }

    private void expire(Waiter waiter) {
        boolean removed;
        synchronized (this) {
            removed = queue.remove(waiter);
        }
        if (removed) {
            waiter.sink.error(new PoolSaturatedException(name, maxTurns, maxQueued, queueTimeout, true));
            idleIfDrained();
        }
    }

    private void withdraw(Waiter waiter) {
        boolean removed;
        synchronized (this) {
            removed = queue.remove(waiter);
        }
        if (removed) {
            waiter.cancelTimeout();
            idleIfDrained();
        }
    }

    /** Frees one slot: hands it to the longest waiting turn, if any. */
    private void free() {
        Waiter next;
        synchronized (this) {
            next = queue.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.cancelTimeout();
            next.sink.success(new Slot());
        } else {
            idleIfDrained();
        }
    }

    private void idleIfDrained() {
        synchronized (this) {
            if (state != MemberState.DRAINING || running > 0 || !queue.isEmpty()) {
                return;
            }
        }
        idle.tryEmitEmpty();
    }

    /** Leaves placement and waits until no turn runs or waits, or until {@code deadline}; then closes. */
    Mono<DrainResult> drain(Duration deadline) {
        synchronized (this) {
            if (state == MemberState.READY || state == MemberState.STARTING) {
                state = MemberState.DRAINING;
            }
        }
        idleIfDrained();
        if (state() != MemberState.DRAINING) { // dead or closed: nothing runs there any more
            return close().thenReturn(new DrainResult(name, true, 0));
        }
        return idle.asMono().thenReturn(true)
                .or(Mono.delay(deadline, timer).thenReturn(false))
                .flatMap(finished -> {
                    MemberHealth before = health();
                    return close().thenReturn(new DrainResult(name, finished, finished ? 0 : before.load()));
                });
    }

    /** The connection died: out of placement; queued turns fail (running ones fail in their own handles). */
    private void died(Throwable cause, boolean restarting) {
        List<Waiter> dropped;
        boolean wasDraining;
        boolean givenUp;
        synchronized (this) {
            if (state == MemberState.CLOSED) {
                return;
            }
            wasDraining = state == MemberState.DRAINING;
            // given up for not answering and restarting: it stays UNRESPONSIVE until it is back
            givenUp = restarting && state == MemberState.UNRESPONSIVE;
            if (!givenUp) {
                state = MemberState.DEAD;
            }
            dropped = new ArrayList<>(queue);
            queue.clear();
        }
        if (!givenUp) { // else the probe has said why
            log.warn("pool member '{}' is dead{}: {}", name, restarting ? " (its client restarts it)" : "",
                    cause.toString());
        }
        ConnectionClosedException failure = cause instanceof ConnectionClosedException closed ? closed
                : new ConnectionClosedException("pool member '" + name + "' died", null, List.of(), false, cause);
        fail(dropped, failure);
        if (wasDraining) {
            idle.tryEmitEmpty(); // a drain waits no longer: nothing runs on a dead member
        }
    }

    private void restarted() {
        synchronized (this) {
            restarts++;
            missedProbes = 0;
            if (state == MemberState.DEAD || state == MemberState.UNRESPONSIVE || state == MemberState.STARTING) {
                state = MemberState.READY;
            }
        }
        startProbes();
        log.info("pool member '{}' is back after restart {}", name, restarts);
    }

    private void closed() {
        List<Waiter> dropped;
        synchronized (this) {
            state = MemberState.CLOSED;
            dropped = new ArrayList<>(queue);
            queue.clear();
        }
        fail(dropped, new ConnectionClosedException("pool member '" + name + "' was closed", null, List.of(), true,
                null));
        idle.tryEmitEmpty();
    }

    private static void fail(List<Waiter> waiters, Throwable failure) {
        waiters.forEach(w -> {
            w.cancelTimeout();
            w.sink.error(failure);
        });
    }

    Mono<Void> close() {
        synchronized (this) {
            state = MemberState.CLOSED;
        }
        // cleanup runs before completion goes downstream: whoever awaited close() sees the member closed
        Runnable cleanup = () -> {
            Disposable m = monitor;
            if (m != null) {
                m.dispose();
            }
            Disposable p = probeTask;
            if (p != null) {
                p.dispose();
            }
            closed();
        };
        return client.closeGracefully().doOnTerminate(cleanup).doOnCancel(cleanup);
    }

    /** A claimed turn slot; {@link #release()} frees it once, however often it is called. */
    final class Slot {
        private final AtomicBoolean released = new AtomicBoolean();

        void release() {
            if (released.compareAndSet(false, true)) {
                free();
            }
        }
    }

    private static final class Waiter {
        final MonoSink<Slot> sink;
        volatile Disposable timeout;

        Waiter(MonoSink<Slot> sink) {
            this.sink = sink;
        }

        void cancelTimeout() {
            Disposable t = timeout;
            if (t != null) {
                t.dispose();
            }
        }
    }
}

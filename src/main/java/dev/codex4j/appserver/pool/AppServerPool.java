package dev.codex4j.appserver.pool;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.ThreadNotFoundException;
import dev.codex4j.appserver.thread.ThreadOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * Several app-servers behind one thread API: each member is an {@link AppServerClient} built from its own
 * {@link AppServerClientBuilder} (a spawned {@code codex app-server} over stdio, or a WebSocket endpoint),
 * started and closed together.
 *
 * <pre>{@code
 * try (AppServerPool pool = AppServerPool.builder()
 *         .member("a", AppServerClient.builder().environment(Map.of("CODEX_HOME", "/srv/codex/a")))
 *         .member("b", AppServerClient.builder().webSocket(URI.create("ws://codex-b:4500")).bearerToken(token))
 *         .member("acme-1", acmeBuilder, "acme")         // tenant acme's own CODEX_HOME
 *         .maxTurnsPerMember(8).maxQueuedTurnsPerMember(32).queueTimeout(Duration.ofSeconds(30))
 *         .build()) {
 *     pool.start().block();
 *     PooledThread thread = pool.startThread(ThreadOptions.defaults()).block();
 *     TurnResult result = thread.run("What does this repository do?").block();
 *     PooledThread same = pool.thread(thread.id()).block();   // on the same member
 * }
 * }</pre>
 *
 * <p><b>Placement and affinity.</b> A new thread goes to the member a {@link PlacementStrategy} picks among the
 * {@link MemberState#READY} members of its tenant group (default: fewest running turns). Every later turn of the
 * thread runs on that member.
 *
 * <p><b>Caps.</b> Each member runs at most {@code maxTurnsPerMember} turns started through the pool; more
 * wait in its queue (at most {@code maxQueuedTurnsPerMember}, each at most {@code queueTimeout}), first come
 * first served; past either bound a turn fails with {@link PoolSaturatedException}. A thread's turns never move
 * to another member to get a slot.
 *
 * <p><b>Tenants.</b> A member declares a tenant (or none: the shared group). A thread started with a tenant key
 * goes only to that tenant's members, and {@link #thread(String, String)} finds it only for that tenant, so one
 * tenant's {@code CODEX_HOME} (login, rules, rollouts) is never used for another's turns.
 *
 * <p><b>Failure.</b> A member whose connection dies is {@link MemberState#DEAD}: out of placement, its running
 * turns fail with a {@code ConnectionClosedException} (never run again), its queued turns fail with one too, and
 * new turns on its threads fail with {@link MemberUnavailableException}. With a {@code RestartPolicy} on its
 * builder the client starts a new app-server, resumes the member's threads and the member is
 * {@link MemberState#READY} again. Members declared on one shared storage ({@link Builder#member(String,
 * AppServerClientBuilder, String, String)}) take over a dead member's threads when asked for them
 * ({@link #thread(String, String)}); otherwise a thread stays with its member.
 *
 * <p><b>Not answering.</b> A member that is connected but stops answering is found by health probes (on by
 * default, {@link Builder#healthProbe}): after a few missed in a row it is {@link MemberState#UNRESPONSIVE},
 * out of placement, its queued and running turns fail with a {@code ConnectionClosedException} saying so, and its
 * client gives the connection up as after a crash, so its {@code RestartPolicy} (if any) brings it back.
 *
 * <p><b>Draining.</b> {@link #drain(String, Duration)} takes a member out of placement, lets its running and queued
 * turns finish (up to a deadline) and closes it: a rolling deploy.
 */
public final class AppServerPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AppServerPool.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    private final Map<String, PoolMember> members;
    private final PlacementStrategy placement;
    private final Scheduler timer;
    /** Where health probes are sent from (a send may block on a process that does not read). */
    private final Scheduler probes;
    /** Which member holds each thread the pool has placed or found. */
    private final Map<String, PoolMember> affinity = new ConcurrentHashMap<>();
    private final Object placementLock = new Object();

    private AppServerPool(Builder builder) {
        this.placement = builder.placement;
        this.timer = Schedulers.newSingle("codex4j-pool-timer", true);
        this.probes = Schedulers.newBoundedElastic(Math.max(2, builder.members.size()), Integer.MAX_VALUE,
                "codex4j-pool-probe", 60, true);
        Map<String, PoolMember> built = new LinkedHashMap<>();
        builder.members.forEach((name, spec) -> built.put(name, new PoolMember(name, spec.tenant, spec.storage,
                spec.builder.build(), builder.maxTurns, builder.maxQueued, builder.queueTimeout, timer,
                builder.probe, probes)));
        this.members = java.util.Collections.unmodifiableMap(built);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts every member at once (spawn or connect, then the handshake); completes when all are
     * {@link MemberState#READY}. If one fails, the others still start and it is {@link MemberState#DEAD}; the
     * {@code Mono} then fails with the first failure (the pool is usable with the members that started). A failed
     * member with a {@code RestartPolicy} on its builder is started again in the background under that policy
     * (same backoff and budget as after a crash: an app-server that comes up after the service, say a pod
     * scheduled later); it stays {@link MemberState#DEAD} meanwhile and is {@link MemberState#READY}, in placement
     * and probed, once an attempt succeeds (counted in {@link MemberHealth#restarts()}), or stays dead when the
     * budget is spent. This {@code Mono} does not wait for those attempts; {@link #close()} ends them.
     */
    public Mono<Void> start() {
        return Flux.fromIterable(members.values()).flatMapDelayError(PoolMember::start, members.size(), 1).then();
    }

    /** Starts a thread in the shared group (members without a tenant); see {@link #startThread(ThreadOptions, String)}. */
    public Mono<PooledThread> startThread(ThreadOptions options) {
        return startThread(options, null);
    }

    /**
     * Starts a thread on the member the placement strategy picks among the ready members of {@code tenant}'s
     * group ({@code null}: members without a tenant). Fails with {@link MemberUnavailableException} if no member
     * of the group is ready, and with {@link IllegalArgumentException} if the pool has no member of the group.
     */
    public Mono<PooledThread> startThread(ThreadOptions options, String tenant) {
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            PoolMember member = placeAndReserve(tenant);
            java.util.concurrent.atomic.AtomicBoolean placed = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicBoolean givenBack = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable giveBack = () -> {
                if (!placed.get() && givenBack.compareAndSet(false, true)) {
                    member.threadRemoved(); // the start failed or was cancelled: give the reservation back
                }
            };
            // given back before a failure goes downstream (doOnEach, not doFinally): a caller that has the failure
            // already sees the member without this thread
            return member.threads.start(options).map(thread -> {
                placed.set(true);
                affinity.put(thread.id(), member);
                return new PooledThread(thread, member);
            }).doOnEach(signal -> {
                if (signal.isOnError() || signal.isOnComplete()) {
                    giveBack.run();
                }
            }).doOnCancel(giveBack);
        });
    }

    /**
     * Chooses a member and counts the new thread on it at once, under one lock: threads started together
     * (say, 50 at once) each see the ones placed before them, instead of all seeing the same idle member.
     */
    private PoolMember placeAndReserve(String tenant) {
        synchronized (placementLock) {
            PoolMember member = place(tenant);
            member.threadAdded();
            return member;
        }
    }

    private PoolMember place(String tenant) {
        List<PoolMember> group = group(tenant);
        List<MemberHealth> ready = group.stream().filter(PoolMember::isReady).map(PoolMember::health)
                .collect(Collectors.toList());
        if (ready.isEmpty()) {
            throw new MemberUnavailableException(null, null, "no ready member in " + describe(tenant) + ": "
                    + group.stream().map(m -> m.name + " " + m.state()).collect(Collectors.joining(", ")));
        }
        MemberHealth chosen = Objects.requireNonNull(placement.choose(List.copyOf(ready)), "placement chose null");
        PoolMember member = members.get(chosen.name());
        if (member == null || !ready.stream().anyMatch(h -> h.name().equals(chosen.name()))) {
            throw new IllegalStateException("placement chose '" + chosen.name() + "', not one of the candidates");
        }
        return member;
    }

    private List<PoolMember> group(String tenant) {
        List<PoolMember> group = members.values().stream().filter(m -> Objects.equals(m.tenant, tenant))
                .collect(Collectors.toList());
        if (group.isEmpty()) {
            throw new IllegalArgumentException("the pool has no member in " + describe(tenant));
        }
        return group;
    }

    private static String describe(String tenant) {
        return tenant == null ? "the shared group" : "tenant '" + tenant + "'s group";
    }

    private PooledThread bind(CodexThread thread, PoolMember member) {
        if (affinity.putIfAbsent(thread.id(), member) == null) {
            member.threadAdded();
        }
        return new PooledThread(thread, member);
    }

    /** A thread of the shared group by id; see {@link #thread(String, String)}. */
    public Mono<PooledThread> thread(String threadId) {
        return thread(threadId, null);
    }

    /**
     * A thread by id, on the member that holds it. A thread the pool placed (or found before) is taken from that
     * member ({@link dev.codex4j.appserver.thread.CodexThreads#thread(String)}); one the pool does not know yet
     * (say, after the service restarted) is looked for on each ready member of {@code tenant}'s group in turn, in
     * its {@code CODEX_HOME}, and resumed there. A thread of another tenant's group is not looked at: for this
     * tenant it does not exist. A thread whose member is dead is resumed on a ready member sharing its storage,
     * if there is one. Fails with {@link ThreadNotFoundException} if no member of the group has it, and with
     * {@link MemberUnavailableException} if its member is not ready (and no member sharing its storage took it).
     */
    public Mono<PooledThread> thread(String threadId, String tenant) {
        Objects.requireNonNull(threadId, "threadId");
        return Mono.defer(() -> {
            PoolMember known = affinity.get(threadId);
            if (known != null && Objects.equals(known.tenant, tenant)) {
                if (!known.isReady()) {
                    return moveFrom(known, threadId);
                }
                return known.threads.thread(threadId).map(thread -> bind(thread, known));
            }
            List<PoolMember> ready = group(tenant).stream().filter(PoolMember::isReady).collect(Collectors.toList());
            if (ready.isEmpty()) {
                return Mono.error(new MemberUnavailableException(null, null, "no ready member in " + describe(tenant)));
            }
            return search(threadId, ready, 0);
        });
    }

    /**
     * The thread's member is not ready: if it is dead and shares its storage with ready members of its group, the
     * thread is resumed on one of them (codex lets one process write a thread at a time: the dead one no longer
     * does) and stays there; otherwise the thread is unavailable. A dead member's process can hold its write
     * lock for a moment after its connection ended, so a resume refused for "an active writer" is tried again,
     * with backoff, for about ten seconds.
     */
    private Mono<PooledThread> moveFrom(PoolMember dead, String threadId) {
        MemberState deadState = dead.state();
        List<PoolMember> sharing = dead.storage == null
                || (deadState != MemberState.DEAD && deadState != MemberState.UNRESPONSIVE) ? List.of()
                : members.values().stream().filter(m -> m != dead && m.isReady()
                        && Objects.equals(m.tenant, dead.tenant) && dead.storage.equals(m.storage))
                .collect(Collectors.toList());
        if (sharing.isEmpty()) {
            return Mono.error(notReady(threadId, dead));
        }
        return search(threadId, sharing, 0)
                .retryWhen(Retry.backoff(8, Duration.ofMillis(100)).maxBackoff(Duration.ofSeconds(2))
                        .filter(AppServerPool::isHeldByAnotherWriter).scheduler(timer)
                        .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                .doOnNext(moved -> {
            if (affinity.replace(threadId, dead, moved.poolMember())) {
                moved.poolMember().threadAdded();
                dead.threadRemoved();
                log.info("thread {} moved from dead pool member '{}' to '{}' (shared storage '{}')", threadId,
                        dead.name, moved.member(), dead.storage);
            }
        });
    }

    private static boolean isHeldByAnotherWriter(Throwable error) {
        return error instanceof JsonRpcErrorException && String.valueOf(error.getMessage()).contains("active writer");
    }

    private Mono<PooledThread> search(String threadId, List<PoolMember> candidates, int index) {
        PoolMember member = candidates.get(index);
        Mono<PooledThread> here = member.threads.thread(threadId).map(thread -> bind(thread, member));
        return index == candidates.size() - 1 ? here
                : here.onErrorResume(ThreadNotFoundException.class, e -> search(threadId, candidates, index + 1));
    }

    /**
     * Forks a thread ({@link dev.codex4j.appserver.thread.CodexThreads#fork}) on the member that holds it (the
     * fork needs the source's history, which only that member's storage has); the fork stays on that member.
     */
    public Mono<PooledThread> fork(PooledThread source, ThreadOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(options, "options");
        PoolMember member = source.poolMember();
        return Mono.defer(() -> member.isReady() ? member.threads.fork(source.id(), options)
                .map(thread -> bind(thread, member))
                : Mono.error(notReady(source.id(), member)));
    }

    private static MemberUnavailableException notReady(String threadId, PoolMember member) {
        MemberState state = member.state();
        return new MemberUnavailableException(member.name, state, "thread " + threadId + " is on pool member '"
                + member.name + "', which is " + state);
    }

    /** The member holding {@code threadId}, if the pool has placed or found it. */
    public java.util.Optional<String> memberOf(String threadId) {
        return java.util.Optional.ofNullable(affinity.get(threadId)).map(m -> m.name);
    }

    /** Every member's health now, in the order they were added. */
    public List<MemberHealth> health() {
        List<MemberHealth> all = new ArrayList<>();
        members.values().forEach(m -> all.add(m.health()));
        return all;
    }

    /** One member's health now. */
    public MemberHealth health(String member) {
        return require(member).health();
    }

    /** This pool for callers that do not use Reactor (a view: closing it leaves the pool open); see {@link BlockingAppServerPool}. */
    public BlockingAppServerPool blocking() {
        return new BlockingAppServerPool(this, false);
    }

    /** A member's client, for what the pool does not offer (raw requests, account, notifications). */
    public AppServerClient client(String member) {
        return require(member).client;
    }

    /**
     * Drains a member: it leaves placement at once ({@link MemberState#DRAINING}: no new threads, new turns on
     * its threads fail with {@link MemberUnavailableException}), its running and queued turns go on until they
     * end or {@code deadline} passes, then it is closed ({@link MemberState#CLOSED}; turns still running then fail
     * with a {@code ConnectionClosedException}). Its threads stay in its {@code CODEX_HOME}.
     */
    public Mono<DrainResult> drain(String member, Duration deadline) {
        Objects.requireNonNull(deadline, "deadline");
        PoolMember m = require(member);
        return Mono.defer(() -> m.drain(deadline)).doOnNext(r -> log.info("pool member '{}' drained: {}", member, r));
    }

    private PoolMember require(String member) {
        PoolMember m = members.get(Objects.requireNonNull(member, "member"));
        if (m == null) {
            throw new IllegalArgumentException("no pool member '" + member + "'; members: " + members.keySet());
        }
        return m;
    }

    /** Closes every member at once (running turns fail with a {@code ConnectionClosedException}) and the pool's timer. */
    @Override
    public void close() {
        try {
            Flux.fromIterable(members.values()).flatMap(PoolMember::close, members.size()).then().block(CLOSE_WAIT);
        } finally {
            timer.dispose();
            probes.dispose();
        }
    }

    /** Builds an {@link AppServerPool}: members, caps and placement. */
    public static final class Builder {

        private record Spec(AppServerClientBuilder builder, String tenant, String storage) {}

        private final Map<String, Spec> members = new LinkedHashMap<>();
        private PlacementStrategy placement = PlacementStrategy.leastRunningTurns();
        private int maxTurns = 16;
        private int maxQueued = 64;
        private Duration queueTimeout = Duration.ofSeconds(60);
        private HealthProbe probe = HealthProbe.DEFAULT;

        private Builder() {}

        /** A member of the shared group (threads started without a tenant key), built from {@code client}. */
        public Builder member(String name, AppServerClientBuilder client) {
            return member(name, client, null);
        }

        /**
         * A member of {@code tenant}'s group ({@code null}: the shared group). The pool builds the client when it
         * is built; give each tenant's builders that tenant's {@code CODEX_HOME} (or endpoint).
         */
        public Builder member(String name, AppServerClientBuilder client, String tenant) {
            return member(name, client, tenant, null);
        }

        /**
         * A member of {@code tenant}'s group whose thread storage ({@code CODEX_HOME}) is {@code storage}, a label
         * shared by the members that use the same one ({@code null}: its own). When such a member is dead, asking
         * the pool for one of its threads ({@link AppServerPool#thread(String, String)}) resumes the thread on a
         * ready member of the same group and storage, where it then stays; its running turns are not run again.
         * (codex allows one writing process per thread: see docs/codex-facts.md.)
         */
        public Builder member(String name, AppServerClientBuilder client, String tenant, String storage) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(client, "client");
            if (members.putIfAbsent(name, new Spec(client, tenant, storage)) != null) {
                throw new IllegalArgumentException("duplicate pool member name: " + name);
            }
            return this;
        }

        /** How members are chosen for new threads; default {@link PlacementStrategy#leastRunningTurns()}. */
        public Builder placement(PlacementStrategy strategy) {
            this.placement = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** Turns started through the pool that may run on one member at once (default 16). */
        public Builder maxTurnsPerMember(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxTurnsPerMember must be at least 1: " + max);
            }
            this.maxTurns = max;
            return this;
        }

        /** Turns that may wait for a slot on one member (default 64; 0: none wait, a full member refuses at once). */
        public Builder maxQueuedTurnsPerMember(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxQueuedTurnsPerMember must not be negative: " + max);
            }
            this.maxQueued = max;
            return this;
        }

        /** How long a turn waits for a slot before it fails with {@link PoolSaturatedException} (default 60 s). */
        public Builder queueTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("queueTimeout must be positive: " + timeout);
            }
            this.queueTimeout = timeout;
            return this;
        }

        /**
         * How each ready (or draining) member is checked for answering: every {@code interval} the pool sends it
         * a cheap request ({@code thread/loaded/list}, answered from the server's memory), at most one at a time;
         * no answer within {@code timeout} is a missed probe, and {@code maxMissed} missed in a row make the
         * member {@link MemberState#UNRESPONSIVE}: out of placement, its turns failed, its connection given up and
         * (with a {@code RestartPolicy}) restarted. On by default: every 10 s, 5 s timeout, 3 misses. Any answer,
         * even an error, counts as answered. The probes run on the pool's timer and end when it is closed.
         */
        public Builder healthProbe(Duration interval, Duration timeout, int maxMissed) {
            Objects.requireNonNull(interval, "interval");
            Objects.requireNonNull(timeout, "timeout");
            this.probe = new HealthProbe(interval, timeout, maxMissed);
            return this;
        }

        /** No health probes: only a connection that ends takes a member out of placement. */
        public Builder noHealthProbe() {
            this.probe = null;
            return this;
        }

        /** The pool, with one client built per member; nothing is started until {@link AppServerPool#start()}. */
        public AppServerPool build() {
            if (members.isEmpty()) {
                throw new IllegalStateException("a pool needs at least one member");
            }
            return new AppServerPool(this);
        }
    }
}

package dev.codex4j.appserver.observation;

import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.MemberHealth;
import dev.codex4j.appserver.pool.MemberState;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Gauges over an {@link AppServerPool}'s {@link AppServerPool#health() health}, one set per member, tagged with the
 * member's name (the names the pool was configured with, so the series are bounded by configuration):
 * {@code codex.pool.member.state} (1 for the member's current state, 0 for the others, tag {@code state}),
 * {@code codex.pool.turns.running}, {@code codex.pool.turns.queued}, {@code codex.pool.threads} and the counter
 * {@code codex.pool.restarts}. Read when the registry is scraped; nothing is kept. Needs {@code micrometer-core}.
 *
 * <pre>{@code new PoolMetrics(pool).bindTo(meterRegistry);}</pre>
 */
public final class PoolMetrics implements MeterBinder {

    static final String STATE = "codex.pool.member.state";
    static final String RUNNING = "codex.pool.turns.running";
    static final String QUEUED = "codex.pool.turns.queued";
    static final String THREADS = "codex.pool.threads";
    static final String RESTARTS = "codex.pool.restarts";
    static final String MEMBER = "member";

    private final AppServerPool pool;

    public PoolMetrics(AppServerPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (MemberHealth member : pool.health()) {
            String name = member.name();
            for (MemberState state : MemberState.values()) {
                gauge(registry, STATE, name, "1 while the member is in this state", h -> h.state() == state ? 1 : 0,
                        "state", state.name().toLowerCase(Locale.ROOT));
            }
            gauge(registry, RUNNING, name, "Turns running on the member", MemberHealth::runningTurns);
            gauge(registry, QUEUED, name, "Turns waiting for a slot on the member", MemberHealth::queuedTurns);
            gauge(registry, THREADS, name, "Threads placed on the member", MemberHealth::threads);
            FunctionCounter.builder(RESTARTS, pool, p -> p.health(name).restarts()).tag(MEMBER, name)
                    .description("Restarts of the member's app-server").register(registry);
        }
    }

    private void gauge(MeterRegistry registry, String meter, String member, String description,
            ToDoubleFunction<MemberHealth> value, String... moreTags) {
        Gauge.builder(meter, pool, p -> value.applyAsDouble(p.health(member)))
                .tag(MEMBER, member).tags(moreTags).description(description).register(registry);
    }
}

package dev.codex4j.spring.boot;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.MemberHealth;
import dev.codex4j.appserver.pool.MemberState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of the auto-configured codex client or pool. A client is {@code UP} while its connection is ready,
 * else {@code DOWN}. A pool is {@code UP} when every member is ready (or draining), {@link #DEGRADED} when some
 * are and others are not, {@code DOWN} when none is; its details list each member's state, running and queued
 * turns, restarts and threads. Map {@code DEGRADED} to an HTTP status with
 * {@code management.endpoint.health.status.http-mapping.degraded} if it should not be 200.
 */
public final class CodexHealthIndicator implements HealthIndicator {

    /** Some pool members serve and some do not. */
    public static final Status DEGRADED = new Status("DEGRADED", "some codex pool members are not ready");

    private final Supplier<Health> health;

    private CodexHealthIndicator(Supplier<Health> health) {
        this.health = health;
    }

    public static CodexHealthIndicator of(AppServerClient client) {
        return new CodexHealthIndicator(() -> (client.isReady() ? Health.up() : Health.down())
                .withDetail("pendingRequests", client.pendingRequestCount()).build());
    }

    public static CodexHealthIndicator of(AppServerPool pool) {
        return new CodexHealthIndicator(() -> poolHealth(pool.health()));
    }

    @Override
    public Health health() {
        return health.get();
    }

    static Health poolHealth(List<MemberHealth> members) {
        Map<String, Object> details = new LinkedHashMap<>();
        int serving = 0;
        for (MemberHealth member : members) {
            if (member.state() == MemberState.READY || member.state() == MemberState.DRAINING) {
                serving++;
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("state", member.state().name().toLowerCase(Locale.ROOT));
            detail.put("runningTurns", member.runningTurns());
            detail.put("queuedTurns", member.queuedTurns());
            detail.put("restarts", member.restarts());
            detail.put("threads", member.threads());
            if (member.tenant() != null) {
                detail.put("tenant", member.tenant());
            }
            details.put(member.name(), detail);
        }
        Status status = serving == members.size() ? Status.UP : serving == 0 ? Status.DOWN : DEGRADED;
        return Health.status(status).withDetails(Map.of("members", details)).build();
    }
}

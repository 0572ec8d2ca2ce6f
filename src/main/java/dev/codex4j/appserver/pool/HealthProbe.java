package dev.codex4j.appserver.pool;

import java.time.Duration;
import java.util.Map;

/**
 * How the pool checks that a member answers: every {@code interval} it sends {@value #METHOD} (limit 1), which
 * the app-server answers from memory in well under a millisecond (docs/codex-facts.md); an answer not there
 * within {@code timeout} is a missed probe, and {@code maxMissed} missed in a row make the member
 * {@link MemberState#UNRESPONSIVE}.
 */
record HealthProbe(Duration interval, Duration timeout, int maxMissed) {

    static final String METHOD = "thread/loaded/list";
    static final Map<String, Object> PARAMS = Map.of("limit", 1);

    static final HealthProbe DEFAULT = new HealthProbe(Duration.ofSeconds(10), Duration.ofSeconds(5), 3);

    HealthProbe {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("the health probe interval must be positive: " + interval);
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the health probe timeout must be positive: " + timeout);
        }
        if (maxMissed < 1) {
            throw new IllegalArgumentException("missed health probes before a member is unresponsive must be at "
                    + "least 1: " + maxMissed);
        }
    }

    String describeMiss(String member, int missed) {
        return "pool member '" + member + "' stopped answering: " + missed + " health probe" + (missed == 1 ? "" : "s")
                + " in a row (" + METHOD + ") got no answer within " + timeout;
    }
}

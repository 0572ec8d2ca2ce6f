package dev.codex4j.appserver.pool;

import java.util.Comparator;
import java.util.List;

/**
 * Chooses the member a new thread goes to. Called with the {@link MemberState#READY} members of the thread's
 * tenant group (never an empty list), in the order they were added to the pool; returns one of them. Every
 * later turn of the thread runs on the member chosen here (affinity), so this is the only placement decision.
 */
@FunctionalInterface
public interface PlacementStrategy {

    MemberHealth choose(List<MemberHealth> candidates);

    /**
     * The default: the member with the fewest running plus queued turns; on a tie, the one holding the fewest
     * threads; then the one added first.
     */
    static PlacementStrategy leastRunningTurns() {
        Comparator<MemberHealth> order = Comparator.comparingInt(MemberHealth::load)
                .thenComparingInt(MemberHealth::threads);
        return candidates -> candidates.stream().min(order).orElseThrow();
    }
}

package dev.codex4j.appserver.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/** What the pool tests share: waiting for a member's health, and finding a real codex process. */
final class PoolTestSupport {

    private PoolTestSupport() {}

    /** Waits up to {@code wait} until {@code member}'s health fits {@code condition}; its health then. */
    static MemberHealth awaitHealth(AppServerPool pool, String member, Predicate<MemberHealth> condition,
            Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        MemberHealth health = pool.health(member);
        while (!condition.test(health)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("member " + member + " never got there within " + wait + ": " + health);
            }
            LockSupport.parkNanos(2_000_000); // polls a value: there is no event to subscribe to
            health = pool.health(member);
        }
        return health;
    }

    /** The codex process this JVM started in {@code directory} (Linux: its /proc/PID/cwd). */
    static ProcessHandle codexProcessIn(Path directory) {
        return ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("codex"))
                .filter(p -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "cwd")).equals(directory);
                    } catch (IOException | UnsupportedOperationException e) {
                        return false;
                    }
                }).findFirst().orElseThrow(() -> new AssertionError("no codex process in " + directory));
    }
}

package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.TestThreads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 2, close: {@code close()} ends the whole process tree within a bounded time, even a child that
 * ignores SIGTERM and has forked a grandchild, and start/close cycles leave nothing behind.
 */
@Timeout(300)
class GuaranteeCloseTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CYCLES = 200;

    @TempDir
    Path dir;

    @Test
    void closeEndsAProcessTreeThatIgnoresSigtermAndForkedAGrandchildWithinABoundedTime() throws Exception {
        Duration grace = Duration.ofMillis(200);
        AppServerClient client = FakeClients.builder(dir, "--ignore-sigterm", "--ignore-stdin-eof",
                "--spawn-grandchild").shutdownGrace(grace).build();
        client.start().block(WAIT);
        ProcessHandle child = FakeClients.newestFake();
        ProcessHandle grandchild = FakeClients.grandchild(client);
        assertThat(grandchild.isAlive()).isTrue();

        long closing = System.nanoTime();
        client.close();
        Duration took = Duration.ofNanos(System.nanoTime() - closing);

        // grace, then SIGTERM (ignored) and 2 s until SIGKILL: bounded, with room for a slow machine
        assertThat(took).isLessThan(grace.plusSeconds(2).plusSeconds(3));
        assertThat(child.isAlive()).isFalse();
        assertThat(grandchild.isAlive()).isFalse();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().endsWith("-" + child.pid()));
    }

    /**
     * With the real binary, which starts faster here than a JVM-based fake (about 0.2 s a cycle).
     */
    @Test
    void twoHundredStartCloseCyclesLeaveNoProcessThreadOrFileDescriptorBehind() throws Exception {
        // threads of clients that earlier test classes in this JVM left unclosed are not this test's business
        Set<Thread> earlier = TestThreads.libraryThreads();
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            cycle(codex); // warm up: class loading, the JDK's process reaper, logging
            TestThreads.awaitLibraryThreadsGone(earlier);
            long fdsBefore = openFileDescriptors();
            Set<Long> childrenBefore = children();

            for (int i = 0; i < CYCLES; i++) {
                cycle(codex);
            }

            assertThat(children()).isEqualTo(childrenBefore);
            TestThreads.awaitLibraryThreadsGone(earlier);
            assertThat(openFileDescriptors()).isLessThanOrEqualTo(fdsBefore);
        }
    }

    private static void cycle(RealCodex codex) {
        AppServerClient client = codex.clientBuilder()
                .build();
        client.start().block(WAIT);
        client.request("model/list", Map.of()).block(WAIT);
        client.close();
    }

    private static Set<Long> children() {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toSet());
    }

    private static long openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}

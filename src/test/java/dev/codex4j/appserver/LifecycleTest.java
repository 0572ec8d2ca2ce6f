package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
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

/** Nothing outlives close(): no process, no thread, no file descriptor. Real codex. */
@Timeout(120)
class LifecycleTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int CYCLES = 15;

    @Test
    void startCloseCyclesLeaveNoProcessThreadOrFileDescriptorBehind() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            cycle(codex); // warm up: class loading, JDK process reaper, logging
            awaitLibraryThreadsGone();
            long fdsBefore = openFileDescriptors();
            Set<Long> childrenBefore = children();

            for (int i = 0; i < CYCLES; i++) {
                cycle(codex);
            }

            assertThat(children()).isEqualTo(childrenBefore);
            awaitLibraryThreadsGone();
            assertThat(openFileDescriptors()).isLessThanOrEqualTo(fdsBefore);
        }
    }

    private static void cycle(RealCodex codex) {
        AppServerClient client = AppServerClient.builder()
                .executable(codex.executable())
                .arguments(codex.appServerArguments())
                .environment(codex.environment())
                .inheritEnvironment(false)
                .workingDirectory(codex.workspace())
                .build();
        client.start().block(WAIT);
        client.request("model/list", Map.of()).block(WAIT);
        client.close();
    }

    /** Joins every codex4j thread still around; after close() each must end promptly on its own. */
    private static void awaitLibraryThreadsGone() throws InterruptedException {
        List<Thread> ours = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("codex4j-")).toList();
        for (Thread t : ours) {
            t.join(5_000);
        }
        assertThat(ours).noneMatch(Thread::isAlive);
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

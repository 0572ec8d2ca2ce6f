package dev.codex4j.modulecheck;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ClientMethods;
import dev.codex4j.appserver.protocol.types.ThreadStartParams;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Uses the library on a class path without Micrometer (its optional dependency): start, a request, the
 * notifications it brings and an approval, with the default (no-op) observer. Run by {@code ModuleBoundaryTest}
 * in a JVM of its own; prints "no micrometer ok" or throws (a {@code NoClassDefFoundError} if the library touched
 * Micrometer).
 *
 * <p>Arguments: the fake app-server script, and a directory for its {@code CODEX_HOME}.
 */
public final class NoMicrometerSmoke {

    private static final Duration WAIT = Duration.ofSeconds(20);

    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.micrometer.observation.Observation");
            throw new AssertionError("Micrometer is on the class path: this check would prove nothing");
        } catch (ClassNotFoundException expected) {
            // as it should be
        }
        try (AppServerClient client = AppServerClient.builder()
                .executable(Path.of(args[0]))
                .environment(Map.of("CODEX_HOME", args[1]))
                .build()) {
            client.start().block(WAIT);
            String threadId = client.request(ClientMethods.THREAD_START, ThreadStartParams.builder().build())
                    .block(WAIT).thread().id();
            String decision = client.request("fake/serverRequest", Map.of(
                    "method", "item/commandExecution/requestApproval",
                    "params", Map.of("threadId", threadId, "turnId", "u", "itemId", "i",
                            "command", "git status", "cwd", args[1]))).block(WAIT)
                    .path("reply").path("result").path("decision").asText();
            if (!decision.equals("decline")) {
                throw new AssertionError("approval reply " + decision);
            }
        }
        System.out.println("no micrometer ok");
    }
}

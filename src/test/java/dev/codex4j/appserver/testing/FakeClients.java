package dev.codex4j.appserver.testing;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Clients of a {@link FakeAppServer} subprocess, and the processes behind them, for the client tests. */
public final class FakeClients {

    private static final Pattern GRANDCHILD = Pattern.compile("grandchild-pid=(\\d+)");

    private FakeClients() {}

    /** A builder whose app-server is the fake, started with {@code fakeArgs}, with {@code CODEX_HOME=dir}. */
    public static AppServerClientBuilder builder(Path dir, String... fakeArgs) {
        try {
            return AppServerClient.builder()
                    .executable(FakeAppServerLauncher.createScript(dir))
                    .arguments(List.of(fakeArgs))
                    .environment(Map.of("CODEX_HOME", dir.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest fake app-server process this JVM started (the highest pid: pids grow between wraps). */
    public static ProcessHandle newestFake() {
        return ProcessHandle.current().children()
                .filter(p -> p.info().commandLine().orElse("").contains(FakeAppServer.class.getSimpleName()))
                .max(java.util.Comparator.comparingLong(ProcessHandle::pid))
                .orElseThrow(() -> new AssertionError("no fake app-server child process"));
    }

    /** The grandchild a fake started with {@code --spawn-grandchild} reported on stderr. */
    public static ProcessHandle grandchild(AppServerClient client) {
        // The fake prints the pid before it reads stdin, so it is in the tail once the handshake is done.
        for (String line : client.stderrTail()) {
            Matcher m = GRANDCHILD.matcher(line);
            if (m.find()) {
                return ProcessHandle.of(Long.parseLong(m.group(1)))
                        .orElseThrow(() -> new AssertionError("grandchild already gone: " + line));
            }
        }
        throw new AssertionError("no grandchild pid in " + client.stderrTail());
    }
}

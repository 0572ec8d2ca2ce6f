package dev.codex4j.appserver.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes an executable script that starts {@link BenchServer} on this JVM's classpath, to be used as the
 * {@code codex} executable: the client runs {@code <script> app-server}, and so does {@link Baseline}.
 */
public final class BenchServerLauncher {

    /**
     * The server's JVM: full JIT (the flood loop is hot), a small serial heap (it allocates almost nothing),
     * no perf data file.
     */
    public static final List<String> JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC",
            "-Xms64m",
            "-Xmx64m",
            "-Xshare:auto",
            "-XX:-UsePerfData");

    private BenchServerLauncher() {
    }

    /** Writes {@code <directory>/bench-codex} and returns its path. */
    public static Path createScript(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path script = directory.resolve("bench-codex");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchServer.class.getName());
        String quoted = command.stream().map(BenchServerLauncher::shellQuote).collect(Collectors.joining(" "));
        // exec: the client's signals must reach the JVM, not a shell in between.
        Files.writeString(script, "#!/bin/sh\nexec " + quoted + " \"$@\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /**
     * Writes {@code <directory>/bench-codex} running {@code nativeServer}, the C twin of {@link BenchServer}
     * ({@code src/test/c/bench_server.c}, built by {@code scripts/bench.sh}), and returns its path.
     */
    public static Path createNativeScript(Path directory, Path nativeServer) throws IOException {
        if (!Files.isExecutable(nativeServer)) {
            throw new IllegalArgumentException("not an executable: " + nativeServer);
        }
        Files.createDirectories(directory);
        Path script = directory.resolve("bench-codex");
        Files.writeString(script, "#!/bin/sh\nexec " + shellQuote(nativeServer.toAbsolutePath().toString()) + "\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** As {@link #createScript(Path)}, in a new temporary directory deleted when the JVM exits. */
    public static Path createScript() throws IOException {
        Path directory = Files.createTempDirectory("bench-app-server");
        Path script = createScript(directory);
        directory.toFile().deleteOnExit();
        script.toFile().deleteOnExit();
        return script;
    }

    private static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}

package dev.codex4j.appserver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes an executable shell script that starts {@link FakeAppServer} on the current test classpath,
 * so a client under test can use it as its {@code codex} executable: it runs
 * {@code <script> app-server <extra args...>} exactly as it would run the real binary.
 */
public final class FakeAppServerLauncher {

    /** Name of the script written into the target directory. */
    public static final String SCRIPT_NAME = "fake-codex";

    /** JVM options that cut the fake's startup time; it runs for seconds and needs little memory. */
    public static final List<String> FAST_START_JVM_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xshare:auto",
            "-XX:-UsePerfData",
            "-Xmx64m");

    private FakeAppServerLauncher() {
    }

    /**
     * Writes {@code <directory>/fake-codex} and returns its path. The optional {@code fakeArgs} (startup
     * flags such as {@code --ignore-sigterm}) are baked in after the arguments the client passes, for
     * clients that cannot pass extra arguments.
     */
    public static Path createScript(Path directory, String... fakeArgs) throws IOException {
        Files.createDirectories(directory);
        Path script = directory.resolve(SCRIPT_NAME);
        Files.writeString(script, scriptText(List.of(fakeArgs)), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** As {@link #createScript(Path, String...)}, in a new temporary directory deleted when the JVM exits. */
    public static Path createScript(String... fakeArgs) throws IOException {
        Path directory = Files.createTempDirectory("fake-app-server");
        Path script = createScript(directory, fakeArgs);
        // Deleted in reverse order of registration: the script first, then its directory.
        directory.toFile().deleteOnExit();
        script.toFile().deleteOnExit();
        return script;
    }

    static String scriptText(List<String> fakeArgs) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FAST_START_JVM_OPTIONS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(FakeAppServer.class.getName());
        String quoted = command.stream().map(FakeAppServerLauncher::shellQuote).collect(Collectors.joining(" "));
        String baked = fakeArgs.stream().map(arg -> " " + shellQuote(arg)).collect(Collectors.joining());
        // exec: the client's signals must reach the JVM, not a shell in between.
        return "#!/bin/sh\nexec " + quoted + " \"$@\"" + baked + "\n";
    }

    /** Single-quotes a word for sh; an embedded quote becomes '\'' (close, escaped quote, reopen). */
    static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}

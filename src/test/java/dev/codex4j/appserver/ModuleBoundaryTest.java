package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.FakeAppServerLauncher;
import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The module descriptor: what it exports is exactly the API, and the library works on the module path as a
 * user's modular application would load it (the rest of the suite runs on the class path).
 */
@Timeout(60)
class ModuleBoundaryTest {

    /** The jars the library requires at run time; everything else stays on the class path. */
    private static final List<String> LIBRARY_DEPENDENCIES = List.of("jackson-databind-", "jackson-core-",
            "jackson-annotations-", "reactor-core-", "reactive-streams-", "jspecify-", "slf4j-api-",
            "jsonschema-generator-", "classmate-");

    @TempDir
    Path dir;

    private static Path libraryClasses() throws Exception {
        return Path.of(AppServerClient.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void exportsTheApiAndTheProtocolButNotTheSession() throws Exception {
        ModuleDescriptor descriptor = ModuleFinder.of(libraryClasses()).find("dev.codex4j.appserver")
                .orElseThrow().descriptor();
        Set<String> exported = descriptor.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertThat(exported).containsExactlyInAnyOrder("dev.codex4j.appserver", "dev.codex4j.appserver.rpc",
                "dev.codex4j.appserver.transport", "dev.codex4j.appserver.thread", "dev.codex4j.appserver.pool",
                "dev.codex4j.appserver.approval", "dev.codex4j.appserver.observation",
                "dev.codex4j.appserver.account", "dev.codex4j.appserver.protocol", "dev.codex4j.appserver.protocol.types",
                "dev.codex4j.appserver.protocol.support");
        assertThat(descriptor.packages()).contains("dev.codex4j.appserver.session");
        assertThat(descriptor.opens()).isEmpty();
    }

    @Test
    void worksOnTheModulePathThroughTheExportedPackagesOnly() throws Exception {
        List<String> modulePath = new ArrayList<>(List.of(libraryClasses().toString()));
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (LIBRARY_DEPENDENCIES.stream().anyMatch(name::startsWith)) {
                modulePath.add(entry);
            } else if (!Path.of(entry).equals(libraryClasses())) {
                classPath.add(entry);
            }
        }
        Path script = FakeAppServerLauncher.createScript(dir);
        String output = run(List.of(java(),
                "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "dev.codex4j.appserver",
                "-cp", String.join(File.pathSeparator, classPath),
                "dev.codex4j.modulecheck.ModuleSmoke", script.toString(), dir.toString()), classPath);
        assertThat(output).contains("module ok");
    }

    /** Micrometer is optional: without its jars the client starts, sends, receives and answers approvals. */
    @Test
    void worksWithMicrometerAbsentFromTheClassPath() throws Exception {
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!Path.of(entry).getFileName().toString().startsWith("micrometer-")) {
                classPath.add(entry);
            }
        }
        Path script = FakeAppServerLauncher.createScript(dir);
        String output = run(List.of(java(), "-cp", String.join(File.pathSeparator, classPath),
                "dev.codex4j.modulecheck.NoMicrometerSmoke", script.toString(), dir.toString()), classPath);
        assertThat(output).contains("no micrometer ok");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Runs the command to its end; returns its output, asserting it exited 0. */
    private static String run(List<String> command, List<String> classPath) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("exit of %s, class path %s, output:%n%s", command.get(command.size() - 3),
                Arrays.toString(classPath.toArray()), output).isZero();
        return output;
    }
}

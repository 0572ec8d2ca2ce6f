package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Layers depend one way: transport <- rpc <- client (root) <- thread; approval on rpc; protocol on Jackson only.
 * (The client's few delegating methods to the thread API are the one link back.)
 */
@Timeout(30)
class ArchitectureTest {

    private static final Path MAIN = Path.of(System.getProperty("codex4j.project.dir", "."), "src/main/java/dev/codex4j/appserver");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.codex4j\\.appserver[\\w.]*)\\.\\w+;", Pattern.MULTILINE);

    /** For each package, the project packages it must not use. */
    private static final Map<String, List<String>> FORBIDDEN = Map.of(
            "transport", List.of("dev.codex4j.appserver.rpc", "dev.codex4j.appserver.approval",
                    "dev.codex4j.appserver.protocol", "dev.codex4j.appserver", "dev.codex4j.appserver.thread"),
            "rpc", List.of("dev.codex4j.appserver.approval", "dev.codex4j.appserver.protocol", "dev.codex4j.appserver",
                    "dev.codex4j.appserver.thread"),
            "approval", List.of("dev.codex4j.appserver", "dev.codex4j.appserver.thread"),
            "protocol", List.of("dev.codex4j.appserver.rpc", "dev.codex4j.appserver.transport",
                    "dev.codex4j.appserver.approval", "dev.codex4j.appserver", "dev.codex4j.appserver.thread"));

    @Test
    void lowerLayersDoNotDependOnHigherOnes() {
        FORBIDDEN.forEach((pkg, forbidden) -> {
            Path dir = MAIN.resolve(pkg);
            if (!Files.isDirectory(dir)) {
                return;
            }
            try (Stream<Path> files = Files.walk(dir)) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(file -> {
                    Matcher m = IMPORT.matcher(read(file));
                    while (m.find()) {
                        String imported = m.group(1);
                        assertThat(forbidden).as("%s imports %s", MAIN.relativize(file), imported)
                                .doesNotContain(imported);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Test
    void theProtocolPackageUsesNothingButJackson() throws IOException {
        Path dir = MAIN.resolve("protocol");
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(f -> f.toString().endsWith(".java")).forEach(file -> assertThat(read(file))
                    .as(file.toString()).doesNotContain("import reactor.", "import org.slf4j."));
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
